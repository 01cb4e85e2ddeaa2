"""The "remember the first word" task: a label token, then distractors, then the question.

Think of a recipe that names its dish in its first word and only then lists the steps: the model reads the
whole recipe and must name the dish at the end. Token ids::

    0 .. num_classes - 1                        the dish (the label)
    num_classes .. num_classes + num_distractors - 1   the steps (noise, independent of the label)

A sequence is ``[dish, step_1, ..., step_N]`` and the label is the dish. Nothing after position 0 carries any
information about the label, so the only way to beat chance (``1 / num_classes``) is to carry the first token
across all ``N`` distractors.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class FirstWordTask:
    """How the sequences are drawn. ``distractors`` is N, the gap between the label and the question."""

    distractors: int
    num_classes: int = 4
    num_distractor_tokens: int = 8

    def __post_init__(self) -> None:
        for name in ("distractors", "num_classes", "num_distractor_tokens"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}.")
        if self.num_classes < 2:
            raise ValueError(f"num_classes must be at least 2, got {self.num_classes}.")

    @property
    def vocab_size(self) -> int:
        return self.num_classes + self.num_distractor_tokens

    @property
    def length(self) -> int:
        return self.distractors + 1

    @property
    def chance(self) -> float:
        return 1.0 / self.num_classes

    def sample(self, batch_size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """``(input_ids (batch, N + 1), labels (batch,))`` drawn from ``generator`` (so a seed fixes them)."""
        labels = torch.randint(0, self.num_classes, (batch_size,), generator=generator)
        steps = torch.randint(
            self.num_classes, self.vocab_size, (batch_size, self.distractors), generator=generator
        )
        return torch.cat([labels[:, None], steps], dim=1), labels
