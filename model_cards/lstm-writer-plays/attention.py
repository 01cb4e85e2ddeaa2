r"""Attention over a memory: the encoder's outputs (translation) or the CNN's feature grid (captioning).

Both kinds score every memory slot ``m_j`` against a decoder query ``q``, turn the scores into weights with a softmax
over the valid slots, and return the weighted sum (the *context*)::

    additive (Bahdanau et al. 2015):        score(q, m_j) = v^T tanh(W_q q + W_m m_j)
    multiplicative (Luong et al. 2015):     score(q, m_j) = q^T W m_j          (optionally / sqrt(d_q))
    alpha_j = softmax_j(score(q, m_j))      (padding slots get weight 0)
    context = sum_j alpha_j m_j

Shapes: query (batch, steps, query_size), memory (batch, slots, memory_size), memory_mask (batch, slots) with 1 for
real slots; returns context (batch, steps, memory_size) and weights (batch, steps, slots).

Why the scale: the bilinear score grows with the norms of query and key, and a bidirectional encoder's state norms
grow along the sentence. Unscaled, the scores of one sentence can span ~80 logits, the softmax puts all weight on one
slot and the others get no gradient (the attention collapses onto one position). Dividing by sqrt(d_q), as scaled
dot-product attention does (Vaswani et al. 2017), keeps the scores in a range where the softmax can spread.
"""

from __future__ import annotations

import torch
from torch import nn


def _masked_softmax(scores: torch.Tensor, memory_mask: torch.Tensor | None) -> torch.Tensor:
    if memory_mask is not None:
        scores = scores.masked_fill(~memory_mask.to(torch.bool)[:, None, :], torch.finfo(scores.dtype).min)
    return torch.softmax(scores, dim=-1)


class AdditiveAttention(nn.Module):
    """Bahdanau attention: a one-hidden-layer network scores each (query, slot) pair."""

    def __init__(self, query_size: int, memory_size: int, attention_size: int):
        super().__init__()
        self.query_proj = nn.Linear(query_size, attention_size, bias=False)
        self.memory_proj = nn.Linear(memory_size, attention_size)
        self.score = nn.Linear(attention_size, 1, bias=False)

    def forward(self, query, memory, memory_mask=None):
        keys = self.memory_proj(memory)  # (batch, slots, attention)
        hidden = torch.tanh(
            self.query_proj(query)[:, :, None, :] + keys[:, None, :, :]
        )  # (batch, steps, slots, att)
        weights = _masked_softmax(self.score(hidden).squeeze(-1), memory_mask)
        return weights @ memory, weights


class MultiplicativeAttention(nn.Module):
    """Luong "general" attention: a bilinear score between the query and each slot."""

    def __init__(self, query_size: int, memory_size: int, scaled: bool = False):
        super().__init__()
        self.memory_proj = nn.Linear(memory_size, query_size, bias=False)
        self.scale = query_size**-0.5 if scaled else 1.0

    def forward(self, query, memory, memory_mask=None):
        scores = (query @ self.memory_proj(memory).transpose(1, 2)) * self.scale  # (batch, steps, slots)
        weights = _masked_softmax(scores, memory_mask)
        return weights @ memory, weights
