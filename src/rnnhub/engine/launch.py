"""What a launcher started: the one case where ``accelerate launch`` silently runs fewer processes than asked."""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["single_process_launch_warning"]


def single_process_launch_warning(environ: Mapping[str, str] | None = None) -> str | None:
    """A warning when ``accelerate launch --cpu --num_processes N`` (N > 1) started this single process, else None.

    Without ``--mpirun_hostfile``, accelerate's CPU launch runs the script once, in one process, with no rank or
    world size; its only trace of the ``--num_processes`` asked for is the rendezvous address it still sets
    (``MASTER_ADDR``, for more than one process). ``torchrun`` starts the processes on CPU.
    """
    env = os.environ if environ is None else environ
    on_cpu = env.get("ACCELERATE_USE_CPU", "").lower() in ("1", "true", "yes")
    if on_cpu and "MASTER_ADDR" in env and "WORLD_SIZE" not in env:
        return (
            "accelerate launch --cpu started one process only (its CPU launcher needs --mpirun_hostfile for more); "
            "this run trains in 1 process. For N CPU processes run: torchrun --nproc_per_node N -m "
            "rnnhub.finetune_cli ARGS"
        )
    return None
