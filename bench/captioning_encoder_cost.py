"""Seconds per training step (forward + backward + AdamW, batch 64, one thread) of the captioner with the plain or
residual CNN at 64 and 96 px, and of the CNN's forward alone: what a deeper encoder or a larger input costs.

    python bench/captioning_encoder_cost.py

On a machine busy with other work only the ratios between the rows mean anything.
"""

from __future__ import annotations

import time

VARIANTS = (("plain", 64), ("residual", 64), ("plain", 96), ("residual", 96))
CHANNELS = [32, 64, 128, 256]


def main() -> None:
    import torch

    from rnnhub import RnnHubCaptioningConfig, RnnHubForImageCaptioning

    torch.set_num_threads(1)
    torch.manual_seed(0)
    for block, size in VARIANTS:
        config = RnnHubCaptioningConfig(
            vocab_size=1000,
            image_size=size,
            encoder_channels=CHANNELS,
            encoder_block=block,
            hidden_size=256,
            embedding_size=128,
            attention_size=128,
            dropout=0.3,
        )
        model = RnnHubForImageCaptioning(config)
        optimizer = torch.optim.AdamW(model.parameters())
        pixels = torch.randn(64, 3, size, size)
        labels = torch.randint(4, 1000, (64, 8))
        labels[:, -1] = 2
        times = []
        for _ in range(3):
            started = time.perf_counter()
            model(pixel_values=pixels, labels=labels).loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        with torch.no_grad():
            model.encoder(pixels)
        encoder = time.perf_counter() - started
        print(
            f"{block:<9} {size:>3} px  step {min(times[1:]):.3f} s  CNN forward {encoder:.3f} s  "
            f"{model.num_parameters():,} parameters",
            flush=True,
        )


if __name__ == "__main__":
    main()
