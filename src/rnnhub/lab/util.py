"""Small helpers shared by the lab's experiments."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def single_threaded() -> Iterator[None]:
    """Run torch on one thread, then restore the previous setting.

    Why: a reduction split over threads may add its numbers in a different order, so the same seed could give
    slightly different weights on a machine with a different core count. The lab's models are small, so one
    thread costs little.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
