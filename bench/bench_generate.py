"""generate() cost of a recurrent language model: time per new token and peak memory vs output length.

Model
    ``RnnHubForCausalLM`` with RANDOM weights (LSTM, vocab 8000, embedding 256, hidden 512, 2 layers by default;
    the output text is meaningless, only the cost matters). Prompt: ``--batch`` rows of ``--prompt-length`` random
    token ids. Every call uses ``min_new_tokens == max_new_tokens`` and ``eos_token_id=None``, so it always writes
    exactly the asked number of tokens.

Time per new token
    Wall time of one ``generate()`` call divided by the number of new tokens, for 32 and 256 new tokens
    (``--short``/``--long``), in three modes: greedy with the recurrent state as cache (the normal path), beam search
    (``--beams``, default 4) with the cache, and greedy with ``use_cache=False`` (every step re-runs the whole
    prefix: quadratic). Settings run interleaved in rounds after a warm-up round; the median over rounds is quoted,
    with min-max. The per-token ratio long/short must stay <= 1.25 with the cache (each step costs the same); the
    marginal cost ``(t_long - t_short) / (long - short)`` is reported too, since the per-call fixed cost (prompt,
    setup) is spread over more tokens in the long run.

Peak memory
    Each (mode, length) runs in a fresh subprocess (``--memory-worker``): build the model, warm up with a 4-token
    generate() (allocates oneDNN primitives, thread pools, lazily built buffers), then run the measured generate().
    On CPU the number that counts is glibc's live heap, ``mallinfo2().uordblks + hblkhd`` (bytes malloc'ed and not
    yet freed, arenas plus mmap'ed blocks): torch's CPU allocator gets every tensor from malloc, so this sees
    tensor memory byte-exactly (``tracemalloc`` would not: it only sees Python's allocator). It is sampled at every
    generation step by a no-op stopping criterion, so "peak" is the peak at step boundaries (a step's transient
    intermediates are the same at every step and show in the baseline-relative numbers of both lengths alike).
    The RSS high-water mark (``ru_maxrss``) before and after is recorded as a cross-check, though it is page-grained
    and blind to growth below the warm-up's high-water mark. On CUDA: ``torch.cuda.max_memory_allocated``.
    Check: (peak growth at long) - (peak growth at short) must not exceed the bytes of the extra output ids
    (``input_ids`` and the ``attention_mask`` generate() extends, int64 each) plus 64 KiB of slack.

    PYTHONPATH=src python bench/bench_generate.py            # full run (minutes: use_cache=False is quadratic)
    PYTHONPATH=src python bench/bench_generate.py --quick    # smoke run
"""

from __future__ import annotations

import argparse
import ctypes
import json
import resource
import subprocess
import sys

import torch
from _common import (
    RESULTS_DIR,
    add_common_arguments,
    check_line,
    environment,
    finish,
    markdown_table,
    pick_device,
    spread,
    timed,
)
from transformers import StoppingCriteria, StoppingCriteriaList

from rnnhub.models.configuration_rnnhub import RnnHubConfig
from rnnhub.models.modeling_rnnhub import RnnHubForCausalLM

PER_TOKEN_RATIO_MAX = 1.25
MEMORY_SLACK_BYTES = 64 * 1024
WARMUP_TOKENS = 4


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cell", default="lstm", choices=("rnn", "gru", "lstm"))
    parser.add_argument("--vocab", type=int, default=8000)
    parser.add_argument("--embedding", type=int, default=256)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--prompt-length", type=int, default=16)
    parser.add_argument("--short", type=int, default=32, help="new tokens, short run")
    parser.add_argument("--long", type=int, default=256, help="new tokens, long run")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds for the cached modes")
    parser.add_argument(
        "--nocache-repeats", type=int, default=2, help="timed rounds for use_cache=False (slow)"
    )
    parser.add_argument("--beams", type=int, default=4, help="beam search width; 0 skips beam search")
    parser.add_argument("--no-nocache", action="store_true", help="skip the use_cache=False mode")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    add_common_arguments(parser, "tiny model and lengths: a smoke run, not a result")
    parser.add_argument(
        "--memory-worker", default=None, help=argparse.SUPPRESS
    )  # internal: JSON of one setting
    args = parser.parse_args(argv)
    if args.quick:
        args.vocab, args.embedding, args.hidden, args.layers = 64, 16, 16, 1
        args.short, args.long, args.repeats, args.nocache_repeats, args.beams = 4, 16, 2, 1, 2
        args.threads = 1 if args.threads is None else args.threads
    if args.output is None:
        args.output = RESULTS_DIR / ("generate_quick.json" if args.quick else "generate.json")
    return args


# ----------------------------------------------------------------------------------------------------------------
# Model and one generate() call


def build(args, device: torch.device):
    torch.manual_seed(args.seed)
    config = RnnHubConfig(
        vocab_size=args.vocab,
        cell_type=args.cell,
        embedding_size=args.embedding,
        hidden_size=args.hidden,
        num_hidden_layers=args.layers,
    )
    model = RnnHubForCausalLM(config).to(device).eval()  # random weights: cost only, not quality
    generator = torch.Generator().manual_seed(args.seed)
    # Ids from 4 up: skip the special tokens (pad 0, bos 1, eos 2, unk 3).
    prompt = torch.randint(4, args.vocab, (args.batch, args.prompt_length), generator=generator).to(device)
    return model, prompt


MODES = {
    "greedy": {"num_beams": 1, "use_cache": True},
    "beam": {"num_beams": None, "use_cache": True},  # width filled in from --beams
    "greedy_no_cache": {"num_beams": 1, "use_cache": False},
}


def generate(model, prompt, mode: dict, new_tokens: int, stopping_criteria=None) -> torch.Tensor:
    out = model.generate(
        prompt,
        attention_mask=torch.ones_like(prompt),
        max_new_tokens=new_tokens,
        min_new_tokens=new_tokens,
        eos_token_id=None,
        pad_token_id=0,
        do_sample=False,
        num_beams=mode["num_beams"],
        use_cache=mode["use_cache"],
        stopping_criteria=stopping_criteria,
    )
    if out.shape[1] != prompt.shape[1] + new_tokens:
        raise RuntimeError(
            f"generate() wrote {out.shape[1] - prompt.shape[1]} tokens, asked for {new_tokens}."
        )
    return out


def modes_for(args) -> dict[str, dict]:
    modes = {"greedy": MODES["greedy"]}
    if args.beams > 1:
        modes["beam"] = {**MODES["beam"], "num_beams": args.beams}
    if not args.no_nocache:
        modes["greedy_no_cache"] = MODES["greedy_no_cache"]
    return modes


# ----------------------------------------------------------------------------------------------------------------
# Memory (runs in a fresh subprocess per setting)


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
        )
        + ("keepcost",)
    ]


def _heap_reader():
    """A function returning glibc's live malloc bytes, or None where mallinfo2 is missing (non-glibc)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
    except (OSError, AttributeError):
        return None

    def live_bytes() -> int:
        info = libc.mallinfo2()
        return int(info.uordblks + info.hblkhd)

    return live_bytes


class _PeakSampler(StoppingCriteria):
    """Never stops generation; samples a memory reading after every step and keeps the maximum."""

    def __init__(self, read):
        self.read = read
        self.peak = read()
        self.calls = 0

    def __call__(self, input_ids, scores, **kwargs):
        self.calls += 1
        self.peak = max(self.peak, self.read())
        return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)


def memory_worker(args, setting: dict) -> dict:
    device = pick_device(args.device)
    model, prompt = build(args, device)
    mode = modes_for(args)[setting["mode"]]
    with torch.no_grad():
        generate(model, prompt, mode, WARMUP_TOKENS)
    result = {"mode": setting["mode"], "new_tokens": setting["new_tokens"]}
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
        generate(model, prompt, mode, setting["new_tokens"])
        torch.cuda.synchronize(device)
        result.update(method="torch.cuda.max_memory_allocated", baseline_bytes=before)
        result["peak_growth_bytes"] = torch.cuda.max_memory_allocated(device) - before
        return result
    read = _heap_reader()
    if read is None:
        result.update(method="unavailable (no glibc mallinfo2)", peak_growth_bytes=None)
        return result
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    sampler = _PeakSampler(read)
    baseline = sampler.peak
    generate(model, prompt, mode, setting["new_tokens"], StoppingCriteriaList([sampler]))
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result.update(
        method="glibc mallinfo2 live bytes, sampled each step",
        baseline_bytes=baseline,
        peak_growth_bytes=sampler.peak - baseline,
        samples=sampler.calls,
        ru_maxrss_growth_bytes=(rss_after - rss_before) * 1024,
        ru_maxrss_after_bytes=rss_after * 1024,
    )
    return result


def run_memory_workers(argv: list[str], settings: list[dict]) -> list[dict]:
    """One fresh interpreter per setting, two at a time (they are not timed; only their memory counts)."""
    results, pending = [], list(settings)
    running: list[subprocess.Popen] = []
    while pending or running:
        while pending and len(running) < 2:
            setting = pending.pop(0)
            command = [sys.executable, __file__, *argv, "--memory-worker", json.dumps(setting)]
            running.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
        process = running.pop(0)
        stdout, _ = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"memory worker failed ({process.returncode}): {process.args}")
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    return results


# ----------------------------------------------------------------------------------------------------------------
# Timing and report


def measure_times(args, device, model, prompt) -> dict[str, list[float]]:
    """Interleaved rounds over every (mode, length); returns "mode@tokens" -> seconds per new token, per round."""
    modes = modes_for(args)
    lengths = (args.short, args.long)
    per_token: dict[str, list[float]] = {f"{m}@{n}": [] for m in modes for n in lengths}
    rounds = max(args.repeats, args.nocache_repeats)
    with torch.no_grad():
        for mode in modes.values():  # warm-up round (not recorded)
            generate(model, prompt, mode, WARMUP_TOKENS)
        for round_index in range(rounds):
            for name, mode in modes.items():
                if name == "greedy_no_cache" and round_index >= args.nocache_repeats:
                    continue
                if name != "greedy_no_cache" and round_index >= args.repeats:
                    continue
                for n in lengths:
                    seconds = timed(lambda mode=mode, n=n: generate(model, prompt, mode, n), device)
                    per_token[f"{name}@{n}"].append(seconds / n)
            if not args.quick:
                print(f"  round {round_index + 1}/{rounds} done", file=sys.stderr, flush=True)
    return per_token


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    if args.memory_worker is not None:
        print(json.dumps(memory_worker(args, json.loads(args.memory_worker))))
        return 0

    device = pick_device(args.device)
    env = environment(device)
    settings = {
        k: getattr(args, k)
        for k in ("cell", "vocab", "embedding", "hidden", "layers", "batch", "prompt_length", "short", "long")
        + ("repeats", "nocache_repeats", "beams", "quick", "seed")
    }
    settings["weights"] = "random (untrained)"
    print(
        f"# bench_generate: {env['device_name']} ({device}), torch {env['torch_version']}, "
        f"{env['torch_threads']} threads, load {env.get('load_average_at_start')}"
    )
    print(f"# settings: {settings}")

    model, prompt = build(args, device)
    per_token = measure_times(args, device, model, prompt)
    modes = list(modes_for(args))

    memory = []
    if not args.no_memory:
        worker_argv = [a for a in argv if a != "--strict"]
        memory_modes = ["greedy"] if args.quick else modes  # --quick: two subprocesses, not six
        memory = run_memory_workers(
            worker_argv, [{"mode": m, "new_tokens": n} for m in memory_modes for n in (args.short, args.long)]
        )
    memory_by_key = {f"{m['mode']}@{m['new_tokens']}": m for m in memory}

    extra_tokens = args.long - args.short
    results, checks, rows = {}, [], []
    for mode in modes:
        short, long = spread(per_token[f"{mode}@{args.short}"]), spread(per_token[f"{mode}@{args.long}"])
        ratio = long["median"] / short["median"]
        marginal = (long["median"] * args.long - short["median"] * args.short) / extra_tokens
        rows_per_token = args.batch * (args.beams if mode == "beam" else 1)
        # generate() grows input_ids and attention_mask (int64) by one column per step, per row (beam: per beam).
        ids_bytes = 2 * rows_per_token * extra_tokens * 8
        mem_short, mem_long = (
            memory_by_key.get(f"{mode}@{args.short}"),
            memory_by_key.get(f"{mode}@{args.long}"),
        )
        growth = None
        if mem_short and mem_long and mem_long["peak_growth_bytes"] is not None:
            growth = mem_long["peak_growth_bytes"] - mem_short["peak_growth_bytes"]
        results[mode] = {
            "seconds_per_token": {str(args.short): short, str(args.long): long},
            "seconds_per_token_rounds": {
                str(args.short): per_token[f"{mode}@{args.short}"],
                str(args.long): per_token[f"{mode}@{args.long}"],
            },
            "per_token_ratio_long_over_short": ratio,
            "marginal_seconds_per_token": marginal,
            "memory": {str(args.short): mem_short, str(args.long): mem_long},
            "peak_growth_long_minus_short_bytes": growth,
            "extra_output_ids_bytes": ids_bytes,
        }
        rows.append(
            [
                mode,
                f"{short['median'] * 1e3:.2f} ({short['min'] * 1e3:.2f}-{short['max'] * 1e3:.2f})",
                f"{long['median'] * 1e3:.2f} ({long['min'] * 1e3:.2f}-{long['max'] * 1e3:.2f})",
                f"{ratio:.3f}",
                f"{marginal * 1e3:.2f}",
                "-" if mem_short is None else f"{mem_short['peak_growth_bytes'] / 1024:,.1f}",
                "-" if mem_long is None else f"{mem_long['peak_growth_bytes'] / 1024:,.1f}",
                "-" if growth is None else f"{growth / 1024:,.1f}",
                f"{ids_bytes / 1024:,.1f}",
            ]
        )
        if mode == "greedy_no_cache":
            continue  # shown for contrast: it is expected to grow
        quick_note = " [--quick: not a measurement]" if args.quick else ""
        info = "" if mode == "greedy" else " [informational]"
        checks.append(
            {
                "name": f"{mode}_per_token_ratio",
                "required": mode == "greedy",
                "passed": ratio <= PER_TOKEN_RATIO_MAX,
                "value": ratio,
                "threshold": PER_TOKEN_RATIO_MAX,
                "text": check_line(
                    ratio <= PER_TOKEN_RATIO_MAX,
                    f"{mode}: time per new token at {args.long} / at {args.short} = {ratio:.3f}, "
                    f"need <= {PER_TOKEN_RATIO_MAX}{info}{quick_note}",
                ),
            }
        )
        if growth is not None:
            allowed = ids_bytes + MEMORY_SLACK_BYTES
            checks.append(
                {
                    "name": f"{mode}_memory_flat",
                    "required": mode == "greedy",
                    "passed": growth <= allowed,
                    "value": growth,
                    "threshold": allowed,
                    "text": check_line(
                        growth <= allowed,
                        f"{mode}: peak memory growth at {args.long} minus at {args.short} tokens = "
                        f"{growth / 1024:,.1f} KiB, extra output ids + mask = {ids_bytes / 1024:,.1f} KiB "
                        f"(allowed {allowed / 1024:,.1f} KiB incl. 64 KiB slack){info}{quick_note}",
                    ),
                }
            )

    headers = [
        "mode",
        f"ms/token @{args.short} (min-max)",
        f"ms/token @{args.long} (min-max)",
        "ratio",
        "marginal ms/token",
        f"peak growth @{args.short} KiB",
        f"peak growth @{args.long} KiB",
        "difference KiB",
        "extra ids+mask KiB",
    ]
    print()
    print(markdown_table(headers, rows))
    print()
    for check in checks:
        print(check["text"])

    output = {
        "benchmark": "generate_cost",
        "environment": env,
        "settings": settings,
        "memory_method": (
            "fresh subprocess per setting; torch.cuda.max_memory_allocated on CUDA; on CPU glibc mallinfo2 live "
            "bytes (uordblks + hblkhd) sampled after every generation step, minus the value before generate()"
        ),
        "results": results,
        "checks": checks,
    }
    return finish(output, args, checks)


if __name__ == "__main__":
    sys.exit(main())
