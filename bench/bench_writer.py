"""Characters per second of a character-level writer: ``generate()`` vs a plain ``nn.LSTM`` + ``Linear`` loop.

Model
    ``--model DIR``: a published writer (``RnnHubForCausalLM`` with a character tokenizer; the prompt is
    ``--prompt``, encoded by the folder's tokenizer). Without it: an LSTM ``RnnHubForCausalLM`` built here with
    RANDOM weights at a writer's size (vocab 100 characters, embedding 64, hidden 512, 2 layers by default;
    speed does not depend on what the weights say) and a prompt of ``len(--prompt)`` random character ids.

The plain loops
    ``nn.Embedding`` -> ``nn.LSTM`` -> (the tied-embedding projection, when the model has one) -> ``nn.Linear``,
    with the model's weights copied in, run one step per character with the state carried by hand, and the same
    sampling as generate(): logits / temperature, then top-p (nucleus) filtering, softmax, ``torch.multinomial``.
    Before timing, both paths decode the same prompt greedily for 64 characters and must agree token for token
    (the copy is right), and with sampling from the same seed they must write the same text (the sampling is
    the same). ``plain_native`` is the same loop run with oneDNN off (``_common.onednn_off``): torch's
    native LSTM kernel, the fastest plain step on a CPU, since oneDNN's LSTM pays a fixed cost per call that
    dwarfs one step. rnnhub's layer takes one step without gradients through the native cell too
    (``rnnhub.models.recurrent``), so ``generate()`` against ``plain_native`` compares like with like.

Timing
    batch 1, sampling (temperature 0.8, top-p 0.95, ``--seed``), ``--new`` (500) new characters per call with
    ``min_new_tokens == max_new_tokens`` and no end-of-text stop, ``--threads`` (1) torch thread. Rounds alternate
    the two paths (generate, plain, generate, plain, ...) after a warm-up round; chars/s is new characters / wall
    seconds of one call, the median over rounds (min-max beside it), and the ratio is generate / plain of the
    medians, plus its per-round spread. Goal: generate() >= 0.8 x the plain loop.

CPU time
    The box this runs on is shared, so wall time swings with the load; each call's CPU time
    (``time.process_time``, one torch thread: the time the process actually ran) is recorded beside it, and the
    ratio of CPU chars/s is the steadier comparison.

Where the time goes
    The parts of one generation step, each timed alone over ``--new`` repetitions (CPU time, ms per step): the
    model's forward on one token with its cache (what generate() calls) vs the plain module step; transformers'
    temperature + top-p processors (``LogitsProcessorList``) + softmax + multinomial vs the plain sampling; the
    rest of generate()'s per-step time is its loop bookkeeping (stopping criteria, attention mask, cache
    hand-over). ``--profile`` also prints a cProfile of one generate() call, sorted by own time.

    PYTHONPATH=src python bench/bench_writer.py                             # the built model
    PYTHONPATH=src python bench/bench_writer.py --model model_cards/lstm-writer-plays --prompt "ROMEO:"
    PYTHONPATH=src python bench/bench_writer.py --quick                     # smoke run
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import time

import torch
from _common import (
    RESULTS_DIR,
    add_common_arguments,
    check,
    environment,
    finish,
    load_average,
    markdown_table,
    onednn_off,
    pick_device,
    spread,
    timed,
)
from torch import nn

from rnnhub.models.configuration_rnnhub import RnnHubConfig
from rnnhub.models.modeling_rnnhub import RnnHubForCausalLM

RATIO_GOAL = 0.8
TEMPERATURE = 0.8
TOP_P = 0.95
AGREEMENT_TOKENS = 64


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="a published writer folder (default: build one here)")
    parser.add_argument(
        "--prompt", default="ROMEO:", help="the prompt (its length only, for the built model)"
    )
    parser.add_argument("--new", type=int, default=500, help="new characters per call")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (each: one call of each path)")
    parser.add_argument("--vocab", type=int, default=100)
    parser.add_argument("--embedding", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one generate() call")
    add_common_arguments(parser, "tiny model, 50 characters, 2 rounds: a smoke run, not a result")
    args = parser.parse_args(argv)
    if args.threads is None:
        args.threads = 1
    if args.quick:
        args.vocab, args.embedding, args.hidden, args.layers = 40, 16, 24, 1
        args.new, args.rounds = 50, 2
    if args.output is None:
        args.output = RESULTS_DIR / ("writer_quick.json" if args.quick else "writer.json")
    return args


# ----------------------------------------------------------------------------------------------------------------
# The two paths


def load(args, device: torch.device):
    """(model in eval mode, prompt ids (1, length), a description of the model)."""
    torch.manual_seed(args.seed)
    if args.model:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        model = AutoModelForCausalLM.from_pretrained(args.model).to(device).eval()
        prompt = AutoTokenizer.from_pretrained(args.model)(args.prompt, return_tensors="pt")["input_ids"]
        return model, prompt.to(device), {"source": args.model, "prompt": args.prompt}
    config = RnnHubConfig(
        vocab_size=args.vocab,
        cell_type="lstm",
        embedding_size=args.embedding,
        hidden_size=args.hidden,
        num_hidden_layers=args.layers,
    )
    model = RnnHubForCausalLM(config).to(device).eval()
    generator = torch.Generator().manual_seed(args.seed)
    # Ids from 4 up: skip the special tokens (pad 0, bos 1, eos 2, unk 3).
    prompt = torch.randint(4, args.vocab, (1, len(args.prompt)), generator=generator).to(device)
    return model, prompt, {"source": "built here, random weights", "prompt_length": len(args.prompt)}


class PlainLSTM(nn.Module):
    """The model's forward pass written with plain torch modules: embedding, LSTM, projection, head."""

    def __init__(self, model: RnnHubForCausalLM):
        super().__init__()
        config = model.config
        if config.cell_type != "lstm":
            raise SystemExit(f"--model must be an LSTM writer; this one is {config.cell_type!r}.")
        self.embeddings = nn.Embedding(config.vocab_size, config.embedding_size)
        self.lstm = nn.LSTM(
            config.embedding_size, config.hidden_size, num_layers=config.num_hidden_layers, batch_first=True
        )
        source = model.output_projection
        self.projection = (
            None if source is None else nn.Linear(source.in_features, source.out_features, bias=False)
        )
        self.head = nn.Linear(model.lm_head.in_features, model.lm_head.out_features, bias=False)
        with torch.no_grad():
            self.embeddings.weight.copy_(model.rnnhub.embeddings.weight)
            self.lstm.load_state_dict(model.rnnhub.recurrent.rnn.state_dict())
            if self.projection is not None:
                self.projection.weight.copy_(source.weight)
            self.head.weight.copy_(model.lm_head.weight)
        self.to(model.device).eval()

    def step(self, ids: torch.Tensor, state):
        outputs, state = self.lstm(self.embeddings(ids), state)
        hidden = outputs[:, -1]
        if self.projection is not None:
            hidden = self.projection(hidden)
        return self.head(hidden), state


def top_p_filter(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """Nucleus filtering as transformers' TopPLogitsWarper does it: keep the smallest set of the most likely
    tokens whose probability reaches ``top_p`` (always at least one)."""
    sorted_logits, sorted_indices = torch.sort(logits, descending=False)
    cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
    remove = cumulative <= (1 - top_p)
    remove[..., -1:] = False
    return logits.masked_fill(remove.scatter(1, sorted_indices, remove), float("-inf"))


@torch.no_grad()
def plain_generate(plain: PlainLSTM, prompt: torch.Tensor, new: int, sample: bool) -> torch.Tensor:
    logits, state = plain.step(prompt, None)
    tokens = [prompt]
    for _ in range(new):
        if sample:
            probs = top_p_filter(logits / TEMPERATURE, TOP_P).softmax(dim=-1)
            token = torch.multinomial(probs, num_samples=1)
        else:
            token = logits.argmax(dim=-1, keepdim=True)
        tokens.append(token)
        logits, state = plain.step(token, state)
    return torch.cat(tokens, dim=1)


def plain_native_generate(plain: PlainLSTM, prompt: torch.Tensor, new: int) -> torch.Tensor:
    """The plain loop with oneDNN off: torch's native LSTM kernel, as fast a plain step as torch offers on a CPU
    (oneDNN's LSTM has a fixed cost per call that dominates one step; see bench_recurrent_step.py)."""
    with onednn_off():
        return plain_generate(plain, prompt, new, sample=True)


def hf_generate(model, prompt: torch.Tensor, new: int, sample: bool) -> torch.Tensor:
    settings = {"do_sample": True, "temperature": TEMPERATURE, "top_p": TOP_P, "top_k": 0} if sample else {}
    return model.generate(
        prompt,
        attention_mask=torch.ones_like(prompt),
        max_new_tokens=new,
        min_new_tokens=new,
        eos_token_id=None,
        pad_token_id=0,
        **({"do_sample": False} if not sample else settings),
    )


# ----------------------------------------------------------------------------------------------------------------
# Run


def cpu_timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


@torch.no_grad()
def breakdown(model, plain: PlainLSTM, prompt: torch.Tensor, steps: int) -> dict[str, float]:
    """CPU ms per step of each part of a generation step, timed alone (see the module docstring)."""
    from transformers import LogitsProcessorList, TemperatureLogitsWarper, TopPLogitsWarper

    token = prompt[:, -1:]
    mask = torch.ones_like(token)
    out = model(input_ids=prompt, attention_mask=torch.ones_like(prompt), use_cache=True)
    logits = out.logits[:, -1]
    _, state = plain.step(prompt, None)
    processors = LogitsProcessorList([TemperatureLogitsWarper(TEMPERATURE), TopPLogitsWarper(TOP_P)])

    def model_steps():
        cache = out.cache
        for _ in range(steps):
            cache = model(input_ids=token, attention_mask=mask, cache=cache, use_cache=True).cache

    def plain_steps():
        current = state
        for _ in range(steps):
            _, current = plain.step(token, current)

    def hf_sampling():
        for _ in range(steps):
            torch.multinomial(processors(prompt, logits).softmax(dim=-1), num_samples=1)

    def plain_sampling():
        for _ in range(steps):
            torch.multinomial(top_p_filter(logits / TEMPERATURE, TOP_P).softmax(dim=-1), num_samples=1)

    parts = {
        "model_forward": model_steps,
        "plain_step": plain_steps,
        "hf_processors_and_sampling": hf_sampling,
        "plain_sampling": plain_sampling,
    }
    for run in parts.values():  # warm-up
        run()
    return {name: 1000 * cpu_timed(run)[1] / steps for name, run in parts.items()}


def profile_generate(model, prompt, new: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    hf_generate(model, prompt, new, sample=True)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(25)
    return stream.getvalue()


def main(argv=None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    env = environment(device)  # the load average before the run
    model, prompt, described = load(args, device)
    plain = PlainLSTM(model)

    greedy_hf = hf_generate(model, prompt, AGREEMENT_TOKENS, sample=False)
    greedy_plain = plain_generate(plain, prompt, AGREEMENT_TOKENS, sample=False)
    greedy_same = torch.equal(greedy_hf, greedy_plain)
    torch.manual_seed(args.seed)
    sampled_hf = hf_generate(model, prompt, AGREEMENT_TOKENS, sample=True)
    torch.manual_seed(args.seed)
    sampled_plain = plain_generate(plain, prompt, AGREEMENT_TOKENS, sample=True)
    sampled_same = torch.equal(sampled_hf, sampled_plain)

    paths = {
        "generate": lambda: hf_generate(model, prompt, args.new, sample=True),
        "plain": lambda: plain_generate(plain, prompt, args.new, sample=True),
        "plain_native": lambda: plain_native_generate(plain, prompt, args.new),
    }
    seconds: dict[str, list[float]] = {name: [] for name in paths}
    cpu_seconds: dict[str, list[float]] = {name: [] for name in paths}
    for round_index in range(args.rounds + 1):  # round 0 warms up
        for name, run in paths.items():
            torch.manual_seed(args.seed + round_index)
            if device.type == "cuda":
                elapsed, cpu = timed(run, device), float("nan")
            else:
                elapsed, cpu = cpu_timed(run)
            if round_index:
                seconds[name].append(elapsed)
                cpu_seconds[name].append(cpu)
    rates = {name: [args.new / s for s in values] for name, values in seconds.items()}
    cpu_rates = {name: [args.new / s for s in values] for name, values in cpu_seconds.items()}
    medians = {name: statistics.median(values) for name, values in rates.items()}
    cpu_medians = {name: statistics.median(values) for name, values in cpu_rates.items()}
    ratio = medians["generate"] / medians["plain"]
    cpu_ratio = cpu_medians["generate"] / cpu_medians["plain"]
    native_cpu_ratio = cpu_medians["generate"] / cpu_medians["plain_native"]
    per_round = [g / p for g, p in zip(rates["generate"], rates["plain"])]
    per_char_ms = {name: 1000 / medians[name] for name in paths}
    cpu_per_char_ms = {name: 1000 / cpu_medians[name] for name in paths}
    parts = breakdown(model, plain, prompt, args.new) if device.type == "cpu" else {}

    rows = [
        [
            name,
            f"{medians[name]:,.0f}",
            f"{min(rates[name]):,.0f}-{max(rates[name]):,.0f}",
            f"{per_char_ms[name]:.3f}",
        ]
        for name in paths
    ]
    for row, name in zip(rows, paths):
        row += [f"{cpu_medians[name]:,.0f}", f"{cpu_per_char_ms[name]:.3f}"]
    headers = ["path", "chars/s (median)", "min-max", "ms/char", "CPU chars/s", "CPU ms/char"]
    print(markdown_table(headers, rows))
    print(
        f"\ngenerate / plain: {ratio:.2f}x wall (per round {min(per_round):.2f}-{max(per_round):.2f}), "
        f"{cpu_ratio:.2f}x CPU; CPU overhead per character "
        f"{cpu_per_char_ms['generate'] - cpu_per_char_ms['plain']:.3f} ms"
    )
    print(f"generate / plain loop with oneDNN off: {native_cpu_ratio:.2f}x CPU")
    if parts:
        rest = cpu_per_char_ms["generate"] - parts["model_forward"] - parts["hf_processors_and_sampling"]
        parts["generate_loop_rest"] = rest
        print("\nCPU ms per step, each part timed alone:")
        print(markdown_table(["part", "ms/step"], [[name, f"{value:.3f}"] for name, value in parts.items()]))
    checks = [
        check(
            "greedy_agrees",
            greedy_same,
            greedy_same,
            True,
            f"greedy decoding, {AGREEMENT_TOKENS} characters: identical ids",
        ),
        check(
            "sampling_agrees",
            sampled_same,
            sampled_same,
            True,
            f"sampling from one seed, {AGREEMENT_TOKENS} characters: identical ids",
            required=False,
        ),
    ]
    for name, value, against in (
        ("generate_vs_plain_ratio", ratio, "the plain loop, wall time"),
        ("generate_vs_plain_cpu_ratio", cpu_ratio, "the plain loop, CPU time"),
        ("generate_vs_plain_native_cpu_ratio", native_cpu_ratio, "the plain loop with oneDNN off, CPU time"),
    ):
        text = f"generate() at {value:.2f}x {against} (goal >= {RATIO_GOAL})"
        checks.append(check(name, value >= RATIO_GOAL, round(value, 3), RATIO_GOAL, text, required=False))
    for entry in checks:
        print(entry["text"])
    profile = None
    if args.profile:
        profile = profile_generate(model, prompt, args.new)
        print("\n" + profile)
    output = {
        "benchmark": "writer_chars_per_s",
        "environment": {**env, "load_average_at_end": load_average()},
        "settings": {
            **{key: value for key, value in vars(args).items() if key not in ("output",)},
            "temperature": TEMPERATURE,
            "top_p": TOP_P,
            "batch": 1,
        },
        "model": {
            **described,
            "config": {
                key: getattr(model.config, key)
                for key in (
                    "vocab_size",
                    "embedding_size",
                    "hidden_size",
                    "num_hidden_layers",
                    "tie_word_embeddings",
                )
            },
            "parameters": sum(p.numel() for p in model.parameters()),
        },
        "results": {
            name: {
                "chars_per_s": spread(rates[name]),
                "chars_per_s_rounds": rates[name],
                "ms_per_char": per_char_ms[name],
                "cpu_chars_per_s": spread(cpu_rates[name]),
                "cpu_chars_per_s_rounds": cpu_rates[name],
                "cpu_ms_per_char": cpu_per_char_ms[name],
            }
            for name in paths
        },
        "cpu_ms_per_step_parts": parts,
        "cpu_ratio_of_medians": cpu_ratio,
        "cpu_ratio_to_plain_native": native_cpu_ratio,
        "ratio_of_medians": ratio,
        "ratio_per_round": spread(per_round),
        "checks": checks,
        "profile": profile,
    }
    return finish(output, args, checks)


if __name__ == "__main__":
    raise SystemExit(main())
