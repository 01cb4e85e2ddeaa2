"""Whether this machine can train under bfloat16 autocast (``--bf16``), asked before a run starts.

On a CPU, Trainer's ``bf16=True`` runs the recurrent layers through oneDNN in bfloat16. That needs native bfloat16
instructions (AVX512-BF16 or AMX): with them it is 1.3-1.8x faster here (``bench/bench_mixed_precision.py``);
without them (e.g. an AVX2-only CPU) oneDNN cannot build its LSTM primitive and the first training step crashes
("could not create a primitive descriptor"), after the tokenizer and the model were already built. So every path
that sets ``bf16`` asks :func:`check_bf16` first and stops with what to do instead. A CUDA device decides for
itself (``torch.cuda.is_bf16_supported``).
"""

from __future__ import annotations


def cpu_has_native_bf16() -> bool:
    """True when oneDNN can run bfloat16 on this CPU (AVX512-BF16 or AMX)."""
    import torch

    probe = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
    return bool(torch.backends.mkldnn.is_available() and probe is not None and probe())


def bf16_problem(use_cpu: bool | None = None) -> str | None:
    """Why ``--bf16`` cannot train here, or None when it can.

    Args:
        use_cpu: train on the CPU; None: on CUDA when it is available (what the recipes do), else the CPU.
    """
    import torch

    on_cpu = not torch.cuda.is_available() if use_cpu is None else use_cpu
    if not on_cpu:
        if torch.cuda.is_bf16_supported():
            return None
        return "--bf16 needs a GPU with bfloat16 support; this one has none. Train without --bf16."
    if cpu_has_native_bf16():
        return None
    capability = torch.backends.cpu.get_cpu_capability()
    return (
        f"--bf16 needs a CPU with native bfloat16 (AVX512-BF16 or AMX); this one has {capability}, where oneDNN "
        "cannot run the recurrent layers in bfloat16. Train without --bf16 (float32: the same model, 1.3-1.8x "
        "slower than bf16 on a CPU that has it)."
    )


def check_bf16(use_cpu: bool | None = None) -> None:
    """Raise ValueError with what to do when ``--bf16`` cannot train here (see :func:`bf16_problem`)."""
    problem = bf16_problem(use_cpu)
    if problem is not None:
        raise ValueError(problem)
