"""The recurrent state as a generation cache.

A transformer's cache grows with every token (keys and values of the whole prefix). A recurrent network's cache is
its state: a fixed-size summary of everything read so far. ``generate()`` feeds the model one new token per step
together with this object and gets the next one back, so each step costs the same however long the output is.

Beam search keeps ``num_beams`` hypotheses per input in the batch dimension and reorders them after each step;
``reorder_cache(beam_idx)`` follows that reordering.
"""

from __future__ import annotations

import torch


class RecurrentCache:
    """Recurrent state carried between ``generate()`` steps.

    Args:
        state: ``(h,)`` or ``(h, c)``, each of shape (layers * directions, batch, hidden).
        seen_tokens: how many tokens the state has read (for ``get_seq_length``).
    """

    # Read by transformers' generation utilities: a recurrent state cannot be cropped back to an earlier length.
    is_croppable = False
    is_compileable = False

    def __init__(self, state: tuple[torch.Tensor, ...], seen_tokens: int = 0):
        self.state = tuple(state)
        self.seen_tokens = seen_tokens

    # Cache protocol used by generate() ---------------------------------------------------------------------------
    def reorder_cache(self, beam_idx: torch.LongTensor) -> None:
        """Select the batch rows in ``beam_idx`` (beam search keeps the best hypotheses after each step)."""
        self.state = tuple(s.index_select(1, beam_idx.to(s.device)) for s in self.state)

    def get_seq_length(self, layer_idx: int = 0) -> int:
        return self.seen_tokens

    @property
    def is_linear(self) -> list[bool]:
        # "linear" caches (recurrent / linear-attention states) are not sliced by sequence length in generate().
        return [True]

    def batch_repeat_interleave(self, repeats: int) -> None:
        self.state = tuple(s.repeat_interleave(repeats, dim=1) for s in self.state)

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        self.state = tuple(s[:, indices] for s in self.state)

    # Convenience ---------------------------------------------------------------------------------------------------
    @property
    def batch_size(self) -> int:
        return self.state[0].shape[1]

    def __len__(self) -> int:
        return len(self.state)

    def __repr__(self) -> str:
        shapes = ", ".join(str(tuple(s.shape)) for s in self.state)
        return f"RecurrentCache(state=[{shapes}], seen_tokens={self.seen_tokens})"
