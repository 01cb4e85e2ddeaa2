"""Translation speed: sentences per second of batched beam search, and the cost per output token vs its length.

Throughput
    A published translation model (``--model``, default ``model_cards/lstm-translation-de-en``) translates the
    corpus' test split (``--corpus``, default its own) through the ``rnnhub-translation`` pipeline (the path users
    call) and through ``rnnhub.translation.evaluate.translate`` (the length-sorted helper the evaluation uses), batches
    of ``--batch`` sentences, beam search with ``--beams`` (default 5) and greedy for contrast; the two paths take
    turns for ``--repeats - 1`` rounds after a warm-up pass. Quoted: the median sentences per second over the whole
    split. Check: the pipeline >= 0.9x the helper, and both give the same translations.

Cost per output token
    The same model with ``min_new_tokens == max_new_tokens`` and ``eos_token_id=None``, so every call writes exactly
    the asked number of tokens, for ``--short`` and ``--long`` new tokens, batch ``--batch`` of test sources, beam
    search and greedy with the recurrent state cached, and greedy with ``use_cache=False`` (re-runs the decoder on
    the whole prefix at every step) for contrast. Rounds interleaved after a warm-up; median (min-max) per token.
    Check: time per token at ``--long`` / at ``--short`` <= 1.25 with the cache (each step costs the same).

    PYTHONPATH=src python bench/bench_translation.py --threads 1          # the README's numbers
    PYTHONPATH=src python bench/bench_translation.py --quick              # smoke run (tiny random model)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

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

ROOT = Path(__file__).resolve().parents[1]
PER_TOKEN_RATIO_MAX = 1.25
PIPELINE_RATIO_MIN = 0.9  # the pipeline (the path users call) against the length-sorted helper


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(ROOT / "model_cards" / "lstm-translation-de-en"))
    parser.add_argument("--corpus", default=None, help="default: the corpus named in the model's card")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--beams", type=int, default=5)
    parser.add_argument("--limit", type=int, default=None, help="translate only the first N test sentences")
    parser.add_argument("--short", type=int, default=16, help="new tokens, short run")
    parser.add_argument("--long", type=int, default=128, help="new tokens, long run")
    parser.add_argument("--repeats", type=int, default=3)
    add_common_arguments(parser, "tiny random model, a few sentences: a smoke run, not a result")
    args = parser.parse_args(argv)
    if args.quick:
        args.limit, args.batch, args.beams, args.short, args.long, args.repeats = 12, 4, 2, 4, 16, 1
        args.threads = 1 if args.threads is None else args.threads
    if args.output is None:
        args.output = RESULTS_DIR / ("translation_quick.json" if args.quick else "translation.json")
    return args


def _tiny_model(sources: list[str], targets: list[str]):
    """--quick: a random seq2seq model with a tokenizer trained on the few sentences (cost only)."""
    from transformers import GenerationConfig

    from rnnhub.models import RnnHubForSeq2SeqLM, RnnHubSeq2SeqConfig
    from rnnhub.tokenization import train_tokenizer

    tokenizer = train_tokenizer(sources + targets, kind="bpe", vocab_size=200, model_max_length=64)
    config = RnnHubSeq2SeqConfig(
        vocab_size=len(tokenizer),
        embedding_size=16,
        hidden_size=16,
        decoder_hidden_size=24,
        attention_type="luong",
    )
    model = RnnHubForSeq2SeqLM(config)
    model.generation_config = GenerationConfig(
        max_new_tokens=16, decoder_start_token_id=1, bos_token_id=1, eos_token_id=2, pad_token_id=0
    )
    return model, tokenizer, "random weights (--quick)"


def load(args):
    from huggingface_hub import ModelCard
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from rnnhub import data

    corpus = args.corpus
    if corpus is None and not args.quick:
        corpus = (ModelCard.load(Path(args.model) / "README.md").data.datasets or [None])[0]
    test = data.load_pairs(corpus or "ding-de-en", split="test")
    if args.limit:
        test = test.select(range(min(args.limit, len(test))))
    sources, targets = list(test["source"]), list(test["target"])
    if args.quick:
        return (*_tiny_model(sources, targets), sources, corpus or "ding-de-en")
    model = AutoModelForSeq2SeqLM.from_pretrained(args.model)
    return model, AutoTokenizer.from_pretrained(args.model), Path(args.model).name, sources, corpus


def throughput(args, model, tokenizer, sources) -> dict:
    """Sentences per second of the rnnhub-translation pipeline (the path users call) and of the length-sorted
    ``translate()`` helper, interleaved in rounds (this machine is shared and noisy): the median of the rounds."""
    from transformers import pipeline

    import rnnhub  # noqa: F401  (registers the rnnhub-translation pipeline)
    from rnnhub.translation.evaluate import translate

    translator = pipeline("rnnhub-translation", model=model, tokenizer=tokenizer)
    paths = {
        "pipeline": lambda beams: [
            o["translation_text"] for o in translator(sources, num_beams=beams, batch_size=args.batch)
        ],
        "helper": lambda beams: translate(model, tokenizer, sources, num_beams=beams, batch_size=args.batch),
    }
    results = {}
    with torch.no_grad():
        for path in paths.values():
            path(args.beams)  # warm-up (the whole split once: the first pass also fills the allocator)
        for name, beams in (("beam", args.beams), ("greedy", 1)):
            seconds = {path: [] for path in paths}
            outputs = {}
            for _ in range(max(1, args.repeats - 1)):
                for path, run in paths.items():
                    started = time.perf_counter()
                    outputs[path] = run(beams)
                    seconds[path].append(time.perf_counter() - started)
            if outputs["pipeline"] != outputs["helper"]:
                raise RuntimeError(
                    "the pipeline and the helper translated differently; the timing compares nothing"
                )
            for path in paths:
                median = sorted(seconds[path])[len(seconds[path]) // 2]
                results[f"{path} {name}"] = {
                    "num_beams": beams,
                    "sentences": len(sources),
                    "seconds": median,
                    "rounds": seconds[path],
                    "sentences_per_second": len(sources) / median,
                }
    return results


def per_token_cost(args, device, model, tokenizer, sources) -> dict:
    batch = tokenizer(sources[: args.batch], return_tensors="pt", padding=True, truncation=True).to(device)
    modes = {
        "beam": {"num_beams": args.beams, "use_cache": True},
        "greedy": {"num_beams": 1, "use_cache": True},
        "greedy_no_cache": {"num_beams": 1, "use_cache": False},
    }

    def run(mode, n):
        out = model.generate(
            **batch, max_new_tokens=n, min_new_tokens=n, eos_token_id=None, do_sample=False, **modes[mode]
        )
        if out.shape[1] != n + 1:  # the decoder start token + n new ones
            raise RuntimeError(f"generate() wrote {out.shape[1] - 1} tokens, asked for {n}.")

    per_token = {f"{m}@{n}": [] for m in modes for n in (args.short, args.long)}
    with torch.no_grad():
        for mode in modes:
            run(mode, 2)  # warm-up
        for _ in range(args.repeats):
            for mode in modes:
                for n in (args.short, args.long):
                    per_token[f"{mode}@{n}"].append(timed(lambda m=mode, n=n: run(m, n), device) / n)
    return {key: spread(values) for key, values in per_token.items()}


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    env = environment(device)
    model, tokenizer, model_name, sources, corpus = load(args)
    model = model.to(device).eval()
    print(
        f"# bench_translation: {model_name} on {corpus} test ({len(sources)} sentences), {env['device_name']}, "
        f"torch {env['torch_version']}, {env['torch_threads']} threads, load {env.get('load_average_at_start')}"
    )
    speed = throughput(args, model, tokenizer, sources)
    cost = per_token_cost(args, device, model, tokenizer, sources)

    rows = [
        [name, r["num_beams"], r["sentences"], f"{r['seconds']:.1f}", f"{r['sentences_per_second']:.1f}"]
        for name, r in speed.items()
    ]
    print(markdown_table(["decoding", "beams", "sentences", "seconds", "sentences/s"], rows))
    checks, cost_rows = [], []
    for mode in ("beam", "greedy", "greedy_no_cache"):
        short, long = cost[f"{mode}@{args.short}"], cost[f"{mode}@{args.long}"]
        ratio = long["median"] / short["median"]
        cost_rows.append(
            [
                mode,
                f"{short['median'] * 1e3:.2f} ({short['min'] * 1e3:.2f}-{short['max'] * 1e3:.2f})",
                f"{long['median'] * 1e3:.2f} ({long['min'] * 1e3:.2f}-{long['max'] * 1e3:.2f})",
                f"{ratio:.2f}",
            ]
        )
        if mode != "greedy_no_cache":
            quick = " [--quick: not a measurement]" if args.quick else ""
            passed = ratio <= PER_TOKEN_RATIO_MAX
            checks.append(
                {
                    "name": f"{mode}_per_token_ratio",
                    "required": True,
                    "passed": passed,
                    "value": ratio,
                    "threshold": PER_TOKEN_RATIO_MAX,
                    "text": check_line(
                        passed,
                        f"{mode}: ms per token at {args.long} / at {args.short} = {ratio:.2f}, "
                        f"need <= {PER_TOKEN_RATIO_MAX}{quick}",
                    ),
                }
            )
    print()
    print(
        markdown_table(
            ["mode", f"ms/token @{args.short} (min-max)", f"ms/token @{args.long} (min-max)", "ratio"],
            cost_rows,
        )
    )
    for name in ("beam", "greedy"):
        ratio = (
            speed[f"pipeline {name}"]["sentences_per_second"]
            / speed[f"helper {name}"]["sentences_per_second"]
        )
        passed = ratio >= PIPELINE_RATIO_MIN
        quick = " [--quick: not a measurement]" if args.quick else ""
        checks.append(
            {
                "name": f"pipeline_vs_helper_{name}",
                "required": not args.quick,
                "passed": passed,
                "value": ratio,
                "threshold": PIPELINE_RATIO_MIN,
                "text": check_line(
                    passed,
                    f"{name}: pipeline sentences/s / sorted helper's = {ratio:.2f}, need >= {PIPELINE_RATIO_MIN}"
                    f"{quick}",
                ),
            }
        )
    for check in checks:
        print(check["text"])
    output = {
        "benchmark": "translation_speed",
        "environment": env,
        "settings": {
            "model": model_name,
            "corpus": corpus,
            "batch": args.batch,
            "beams": args.beams,
            "short": args.short,
            "long": args.long,
            "repeats": args.repeats,
            "quick": args.quick,
        },
        "throughput": speed,
        "seconds_per_token": cost,
        "checks": checks,
    }
    return finish(output, args, checks)


if __name__ == "__main__":
    sys.exit(main())
