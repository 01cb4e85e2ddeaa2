r"""The attention decoder shared by translation and captioning, and the CNN image encoder.

The decoder writes one token per step from its recurrent state, looking back at a *memory* (the encoder's outputs or
the CNN's feature grid) through attention. Its initial state is a projection of the mean memory slot, so even without
attention (``attention_type="none"``, the plain encoder-decoder) the source reaches the decoder.

Per step, with ``y_{t-1}`` the previous token, ``s`` the decoder state (top layer) and ``M`` the memory::

    bahdanau:  c_t = attend(s_{t-1}, M);  s_t = RNN([E y_{t-1}; c_t], s_{t-1});  o_t = tanh(W_o [s_t; c_t; E y_{t-1}])
    luong:     s_t = RNN(E y_{t-1}, s_{t-1});  c_t = attend(s_t, M);  o_t = tanh(W_o [s_t; c_t])
    none:      s_t = RNN(E y_{t-1}, s_{t-1});  o_t = tanh(W_o s_t)
    p(y_t | y_<t, M) = softmax(W_out o_t)

Bahdanau's query is the *previous* state, so training loops over target steps; Luong's is the current state, so the
recurrent stack runs fused over the whole target and attention is computed for all steps at once (much faster).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .attention import AdditiveAttention, MultiplicativeAttention
from .recurrent import RecurrentLayer, State


class AttentionDecoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention_type = config.attention_type
        self.hidden_size = config.decoder_hidden_size
        self.num_layers = config.decoder_num_hidden_layers
        memory_size = config.memory_size
        embedding_size = config.embedding_size

        self.embeddings = nn.Embedding(config.vocab_size, embedding_size, padding_idx=config.pad_token_id)
        self.embedding_dropout = nn.Dropout(config.embedding_dropout)
        rnn_input_size = embedding_size + (memory_size if self.attention_type == "bahdanau" else 0)
        self.rnn = RecurrentLayer(
            config.cell_type,
            rnn_input_size,
            self.hidden_size,
            num_layers=self.num_layers,
            dropout=config.dropout,
            nonlinearity=config.nonlinearity,
        )
        # The bridge: memory summary -> initial (h, c) of every decoder layer.
        self.init_state = nn.Linear(
            memory_size, self.rnn.num_state_tensors * self.num_layers * self.hidden_size
        )
        if self.attention_type == "bahdanau":
            self.attention = AdditiveAttention(self.hidden_size, memory_size, config.attention_size)
            pre_output_size = self.hidden_size + memory_size + embedding_size
        elif self.attention_type == "luong":
            self.attention = MultiplicativeAttention(
                self.hidden_size, memory_size, scaled=getattr(config, "attention_scaled", False)
            )
            pre_output_size = self.hidden_size + memory_size
        else:
            self.attention = None
            pre_output_size = self.hidden_size
        self.pre_output = nn.Linear(pre_output_size, self.hidden_size)
        self.dropout = nn.Dropout(config.dropout)
        self.lm_head = nn.Linear(self.hidden_size, config.vocab_size)

    def initial_state(self, memory: torch.Tensor, memory_mask: torch.Tensor | None) -> State:
        if memory_mask is None:
            summary = memory.mean(dim=1)
        else:
            weights = memory_mask.to(memory.dtype)[..., None]
            summary = (memory * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        flat = torch.tanh(self.init_state(summary))  # (batch, states * layers * hidden)
        per_state = flat.view(memory.shape[0], self.rnn.num_state_tensors, self.num_layers, self.hidden_size)
        return tuple(per_state[:, k].transpose(0, 1).contiguous() for k in range(self.rnn.num_state_tensors))

    def forward(
        self,
        input_ids: torch.Tensor,
        memory: torch.Tensor,
        memory_mask: torch.Tensor | None = None,
        state: State | None = None,
        implementation: str | None = None,
        output_gates: bool = False,
    ):
        """Returns ``(logits (batch, steps, vocab), state, attention weights (batch, steps, slots) or None, gates)``."""
        if state is None:
            state = self.initial_state(memory, memory_mask)
        embedded = self.embedding_dropout(self.embeddings(input_ids))
        weights = None
        gates = None
        if self.attention_type == "bahdanau":
            step_outputs, contexts, step_weights, step_gates = [], [], [], []
            for t in range(embedded.shape[1]):
                context, w = self.attention(state[0][-1][:, None, :], memory, memory_mask)
                step = self.rnn(
                    torch.cat([embedded[:, t : t + 1], context], dim=-1),
                    state=state,
                    implementation=implementation,
                    output_gates=output_gates,
                )
                state = step.state
                step_outputs.append(step.outputs)
                contexts.append(context)
                step_weights.append(w)
                step_gates.append(step.gates)
            outputs, context, weights = (torch.cat(x, dim=1) for x in (step_outputs, contexts, step_weights))
            if output_gates:
                gates = {k: torch.cat([g[k] for g in step_gates], dim=2) for k in step_gates[0]}
            features = torch.cat([outputs, context, embedded], dim=-1)
        else:
            run = self.rnn(embedded, state=state, implementation=implementation, output_gates=output_gates)
            state, outputs, gates = run.state, run.outputs, run.gates
            if self.attention_type == "luong":
                context, weights = self.attention(outputs, memory, memory_mask)
                features = torch.cat([outputs, context], dim=-1)
            else:
                features = outputs
        logits = self.lm_head(self.dropout(torch.tanh(self.pre_output(features))))
        return logits, state, weights, gates


def _norm(kind: str, channels: int) -> nn.Module:
    """Batch norm, or group norm with groups of (up to) 8 channels: independent of the batch's make-up."""
    if kind == "group":
        return nn.GroupNorm(math.gcd(8, channels), channels)
    return nn.BatchNorm2d(channels)


class ResidualBlock(nn.Module):
    """Two 3x3 convs with a skip connection (He et al. 2016), then a 2x2 max-pool halving the side::

    y = maxpool(relu(norm(conv(relu(norm(conv(x))))) + shortcut(x)))      shortcut: 1x1 conv + norm if widths differ
    """

    def __init__(self, in_channels: int, out_channels: int, norm: str):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False)
        self.norm1 = _norm(norm, out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1, bias=False)
        self.norm2 = _norm(norm, out_channels)
        self.shortcut = (
            nn.Identity()
            if in_channels == out_channels
            else nn.Sequential(
                nn.Conv2d(in_channels, out_channels, kernel_size=1, bias=False), _norm(norm, out_channels)
            )
        )
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.norm1(self.conv1(x)))
        y = self.norm2(self.conv2(y))
        return self.pool(torch.relu(y + self.shortcut(x)))


class ConvImageEncoder(nn.Module):
    """The CNN: one block per entry of ``encoder_channels``, each halving the image side.

    ``encoder_block="plain"`` (the first published captioner): conv 3x3 -> batch norm -> ReLU -> 2x2 max-pool.
    ``encoder_block="residual"``: :class:`ResidualBlock` (twice the convs, a skip connection), with batch or group
    norm (``encoder_norm``). ``encoder_dropout`` drops whole feature channels of the final grid (training only).

    pixel_values (batch, channels, size, size) -> feature grid (batch, (size / 2**blocks)**2, encoder_channels[-1]).
    """

    def __init__(self, config):
        super().__init__()
        self.image_size = config.image_size
        self.num_channels = config.num_channels
        block = getattr(config, "encoder_block", "plain")
        norm = getattr(config, "encoder_norm", "batch")
        layers = []
        in_channels = config.num_channels
        for out_channels in config.encoder_channels:
            if block == "residual":
                layers.append(ResidualBlock(in_channels, out_channels, norm))
            else:
                layers += [
                    nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
                    _norm(norm, out_channels),
                    nn.ReLU(inplace=True),
                    nn.MaxPool2d(2),
                ]
            in_channels = out_channels
        self.blocks = nn.Sequential(*layers)
        self.dropout = nn.Dropout2d(getattr(config, "encoder_dropout", 0.0))

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        expected = (self.num_channels, self.image_size, self.image_size)
        if pixel_values.dim() != 4 or tuple(pixel_values.shape[1:]) != expected:
            raise ValueError(
                f"pixel_values must have shape (batch, {', '.join(map(str, expected))}), got "
                f"{tuple(pixel_values.shape)}. Prepare images with the model's image processor "
                "(AutoImageProcessor.from_pretrained(<model folder>))."
            )
        features = self.dropout(self.blocks(pixel_values))  # (batch, channels, grid, grid)
        return features.flatten(2).transpose(1, 2)  # (batch, grid * grid, channels)
