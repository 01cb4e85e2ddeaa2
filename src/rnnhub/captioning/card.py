"""The card of the emoji captioner, generated from its config and ``eval_report.json`` (never edited by hand).

``write_card(folder)`` rebuilds ``folder/README.md``; :func:`rnnhub.captioning.recipe.train_captioning` calls it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from rnnhub.captioning.card_results import (
    METRIC_NAMES,
    dataset_split,
    goals_text,
    sample_rule,
    sample_table,
    scores_table,
    seeds_section,
)
from rnnhub.captioning.settings import (
    CORPUS,
    RECIPE_KEY,
    SEEDS_KEY,
    SELECTION_SPLITS,
    TEST_SPLITS,
    VARIANT_VALIDATION,
)
from rnnhub.engine.run_info import describe_load
from rnnhub.engine.vectors import describe as describe_vectors

__all__ = ["read_report", "write_card"]


def read_report(folder: Path) -> dict[str, Any]:
    """The folder's ``eval_report.json`` (or, given a file, that report itself); ValueError when it is missing,
    unreadable or not the recipe's."""
    path = folder / "eval_report.json" if folder.is_dir() else folder
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        what = "has no readable eval_report.json" if path != folder else "is not a readable eval_report.json"
        raise ValueError(f"{folder} {what} from `rnnhub train captioning`.") from error
    if RECIPE_KEY not in report:
        raise ValueError(f"{path} was not written by `rnnhub train captioning`.")
    return report


def write_card(folder: str | os.PathLike[str]) -> Path:
    """(Re)write ``folder/README.md`` from its config and ``eval_report.json`` (written by :func:`train_captioning`)."""
    from transformers import AutoConfig

    from rnnhub.publish.cards import make_model_card, save_card

    folder = Path(folder)
    report = read_report(folder)
    recipe, metrics, settings = report[RECIPE_KEY], report["metrics"], report[RECIPE_KEY]["settings"]
    config = AutoConfig.from_pretrained(folder)
    beam = f"beam{settings['num_beams']}"
    rows, baselines = [], []
    known = (*TEST_SPLITS, *SELECTION_SPLITS)
    # Extra corpora's splits ("clipart-captions/test", ...) follow the emoji ones, tests first.
    extra_splits = sorted(
        (name for name in metrics if name not in known), key=lambda n: (n.endswith("validation"), n)
    )
    for split in [name for name in (*TEST_SPLITS, *SELECTION_SPLITS) if name in metrics] + extra_splits:
        dataset, split_name = dataset_split(split)
        for mode, label in (("greedy", "greedy"), (beam, f"beam {settings['num_beams']}")):
            for kind, name in METRIC_NAMES.items():
                if metrics[split][mode].get(kind) is not None:
                    rows.append(
                        {
                            "name": f"{name} ({label})",
                            "type": kind,
                            "value": metrics[split][mode][kind],
                            "split": split_name,
                            "dataset": dataset,
                        }
                    )
    for split in report["baseline"]["metrics"]:
        measured = report["baseline"]["metrics"][split]
        dataset, split_name = dataset_split(split)
        for kind, name in METRIC_NAMES.items():
            if measured.get(kind) is not None:
                baselines.append(
                    {
                        "baseline": "nearest neighbour",
                        "type": kind,
                        "name": name,
                        "value": measured[kind],
                        "split": split_name,
                        "dataset": dataset,
                    }
                )
    samples = sample_table(report)
    training = {
        "command": recipe.get("command"),
        "seed": report["seed"],
        "tokenizer": _tokenizer_fact(settings, recipe["vocab_size"]),
        "image processor": "stock `ViTImageProcessor` (preprocessor_config.json): resize to "
        f"{config.image_size}x{config.image_size} bicubic, rescale to [0, 1], normalise with mean 0.5, std 0.5",
        "training examples": f"{report['training_pairs']:,} (image, caption) pairs: every caption of the "
        f"{report['rows']['train']:,} training images{_corpora_fact(report)}; {_augmentation_fact(settings)}",
        "encoder": _encoder_fact(config),
        "beam search": _length_penalty_fact(report),
        "epochs": f"{report['epochs_trained']:g} of at most {settings['epochs']:g}"
        + (f" (early stopping, patience {settings['patience']})" if report["stopped_early"] else ""),
        "best checkpoint": f"step {report['best_step']}, by greedy BLEU on "
        + (
            f"`validation` plus `{VARIANT_VALIDATION}` together"
            if VARIANT_VALIDATION in metrics
            else "`validation`"
        ),
        "optimizer": f"AdamW, learning rate {settings['learning_rate']:g} with linear decay, batch size "
        f"{settings['batch_size']}, gradient clipping at norm 1",
        "precision": "bfloat16 autocast (float32 weights and optimizer)" if settings.get("bf16") else None,
        "decoder word vectors": describe_vectors(recipe["vectors"]) if recipe.get("vectors") else None,
        "regularisation": f"dropout {settings['dropout']:g}, embedding dropout {settings['embedding_dropout']:g}"
        + (
            f", feature-grid channel dropout {config.encoder_dropout:g}"
            if getattr(config, "encoder_dropout", 0)
            else ""
        ),
        "train time": f"{report['train_time_s']:.0f} s (whole command incl. tokenizer, evaluation and baseline: "
        f"{report['total_time_s']:.0f} s)",
        "hardware": recipe.get("hardware"),
        "load": describe_load(recipe.get("load_average")),
    }
    variants = (
        metrics["test_variants"]["greedy"]["bleu"],
        report["baseline"]["metrics"]["test_variants"]["bleu"],
    )
    unseen = metrics["test"]["greedy"]["bleu"], report["baseline"]["metrics"]["test"]["bleu"]
    verdict = (
        f"On unseen variants of seen emoji (`test_variants`) greedy BLEU-4 is {variants[0]:.1f} against "
        f"{variants[1]:.1f} for nearest-neighbour retrieval ({'above' if variants[0] > variants[1] else 'below'} it); "
        f"on emoji never seen in training (`test`) it is {unseen[0]:.1f} against {unseen[1]:.1f} "
        f"({'above' if unseen[0] > unseen[1] else 'below'} it)."
    )
    clip = next((n for n in metrics if n.endswith("/test") and n in report["baseline"]["metrics"]), None)
    if clip is not None:
        ours, theirs = metrics[clip]["greedy"]["bleu"], report["baseline"]["metrics"][clip]["bleu"]
        verdict += (
            f" On `{clip}` (drawings in other styles) it is {ours:.1f} against {theirs:.1f} "
            f"({'above' if ours > theirs else 'below'} it)."
        )
    description = (
        f"Writes the name of an emoji picture ({config.image_size}x{config.image_size}): a small CNN turns the image into a "
        f"{recipe['grid_size'][0]}x{recipe['grid_size'][1]} grid of feature vectors and "
        f"{'a' if recipe['cell_type'] == 'gru' else 'an'} {recipe['cell_type'].upper()} decoder with soft (Bahdanau) attention over the grid writes the caption word "
        "by word (Show, Attend and Tell). Trained from scratch by `rnnhub train captioning` (one command, see "
        "Training)"
        + (
            f", its decoder's word embeddings starting from {recipe['vectors']['name']} (the only pretraining)"
            if recipe.get("vectors")
            else ""
        )
        + f". {verdict}"
    )
    rows_count = report["rows"]
    held_out = (
        f" Model selection (early stopping, best checkpoint) used `validation` ({rows_count['validation']} pictures of "
        f"unseen emoji) together with `{VARIANT_VALIDATION}`: {rows_count[VARIANT_VALIDATION]} training variants "
        f"({settings['variant_validation']:.0%} of the train split's variants, by a salted hash of the code) held out "
        "of training, so that selection also watches what `test_variants` measures. The baseline is fitted on the "
        "same reduced train split."
        if VARIANT_VALIDATION in rows_count
        else ""
    )
    evaluation = report["baseline"].get("evaluation_corpora", {})
    other_baselines = "".join(
        f" On `{name}` (not in training) it retrieves from {facts['retrieves_from']} ({facts['baseline']}; chosen "
        f"on its validation split); the second retrieval row retrieves from "
        f"{facts['from_model_training']['retrieves_from']}, the pictures the model learned from."
        for name, facts in evaluation.items()
    )
    metrics_note = (
        "BLEU-4 is sacrebleu's corpus BLEU (13a tokenisation) against *all* reference captions of an image (the "
        "corpus lists several names per emoji, e.g. the CLDR name and the Unicode name); chrF is sacrebleu's "
        "character 6-gram F-score (partial credit for a right stem); CIDEr-D is pycocoevalcap's, x 100, its idf "
        'over the split\'s references (a word every caption shares, such as "face", weighs little); exact match '
        "counts a caption equal to any reference, ignoring case; the content-word hit rate is the share of pictures "
        "whose caption has a word of a reference that is not a function word (`rnnhub.captioning.metrics`). "
        f"`test`: {rows_count['test']} pictures of emoji whose base emoji (and all its variants) never appear in "
        f"training; `test_variants`: {rows_count['test_variants']} skin-tone / gender / direction / hair variants "
        "whose base emoji is in training but whose own picture is not. The nearest-neighbour baseline returns the "
        f"caption of the most similar training image ({report['baseline']['baseline']}; size and centring chosen on "
        f"validation).{other_baselines}{held_out}"
    )
    rescored = recipe.get("rescored")
    scores = scores_table(report)
    goals = goals_text(report)
    sections = {
        "Metrics and baseline": metrics_note,
        "Every test split next to retrieval": scores
        + (
            f"\n\nScored by `{rescored['command']}` ({rescored['hardware']}), with the weights as trained."
            if rescored and rescored.get("command")
            else ""
        )
        + (f"\n\nGoals for a captioner that describes rather than recognises:\n\n{goals}" if goals else ""),
        "Sample grid": f"Test images with their references, the model's greedy caption (out) and retrieval's (nn); "
        f"the rule: {sample_rule(report)}. The table under Samples lists the same pictures in the same order."
        "\n\n![samples](samples.png)",
        "Attention": "Where the decoder looks while it writes each word (`rnnhub.captioning.view."
        "caption_with_attention` returns these maps as data):\n\n![attention](attention.png)",
        "Licence": "The weights are learned from Noto Emoji images (Apache-2.0) and CLDR/OpenMoji names (CC BY-SA "
        "4.0, see the `emoji-captions` dataset card); treat them as derived from both (licence id `other`)."
        + (
            " `samples.png` also shows clip-art test pictures (Open Clip Art Library: public domain; Tux Paint "
            "stamps: GPL-2.0; authors in the `clipart-captions` dataset card); they were not used in training."
            if any(dataset_split(s["split"])[0] in evaluation for s in report["samples"])
            else ""
        ),
        "Usage with the pipeline": (
            "```python\nfrom transformers import pipeline\n\nfrom rnnhub.publish.hub import resolve\n"
            "from rnnhub.captioning.pipeline import register\n\n"
            "register()  # the task `rnnhub-image-captioning` (transformers 5 redirects image-to-text)\n"
            "# resolve(): a published short name to its folder; a local folder or ORG/NAME Hub id as it is\n"
            f'captioner = pipeline("rnnhub-image-captioning", model=resolve("{recipe["model_id"]}"), '
            "trust_remote_code=True)\n"
            'captioner("my_emoji.png", num_beams=3)   # [{"generated_text": ...}]\n```'
        ),
    }
    if SEEDS_KEY in report:
        sections["Seeds"] = seeds_section(report)
    limitations = (
        "Trained on about 2,600 emoji pictures in one design (Google Noto, 64x64, white background). Photos, "
        "drawings in other styles, or other emoji fonts are far outside its training data and get an emoji-like "
        "name at best. Words it never saw in training captions cannot be produced, so emoji with new words in their "
        "names (most of the `test` split) are at best partly right. Skin tones are named from colour, so unusual "
        "lighting or colour filters change them. Meant for learning how attention-based captioners work, not for "
        "describing images for people who rely on the description."
    )
    card = make_model_card(
        model_id=recipe["model_id"],
        config=config,
        task="image-to-text",
        license="other",
        metrics=rows,
        language="en",
        datasets=[CORPUS, *recipe.get("extra_corpora", [])],
        baselines=baselines,
        training={key: value for key, value in training.items() if value is not None},
        description=description,
        limitations=limitations,
        samples=samples,
        extra_sections=sections,
        num_parameters=recipe["num_parameters"],
        tags=["image-captioning", "show-attend-and-tell", "rnnhub-recipe"],
    )
    return save_card(card, folder)


def _tokenizer_fact(settings: dict[str, Any], vocab_size: int) -> str:
    if settings.get("tokenizer", "word") == "bpe":
        return f"byte-pair (BPE), lowercased, trained on the train split's captions only: {vocab_size} tokens"
    rare = settings.get("min_frequency", 1)
    unk = f"; words seen fewer than {rare} times are `<unk>`, which is never generated" if rare > 1 else ""
    return (
        f"word-level, lowercased, trained on the train split's captions only: {vocab_size} tokens (hyphenated words "
        f"and apostrophes kept whole){unk}"
    )


def _corpora_fact(report: dict[str, Any]) -> str:
    images = report.get("training_images", {})
    if len(images) < 2:
        return ""
    parts = [f"{count:,} from {CORPUS if name == 'main' else name}" for name, count in images.items()]
    return f" ({', '.join(parts)})"


def _augmentation_fact(settings: dict[str, Any]) -> str:
    parts = [f"shifted at random by up to {settings['max_shift']} px"]
    if settings.get("scale"):
        parts.append(f"zoomed by a factor in [{1 - settings['scale']:g}, {1 + settings['scale']:g}]")
    if settings.get("colour_jitter"):
        parts.append(f"brightness, contrast and saturation jittered by up to {settings['colour_jitter']:.0%}")
    if settings.get("background"):
        parts.append(f"a random background colour for {settings['background']:.0%} of examples")
    if settings.get("flip"):
        parts.append(
            f"mirrored for {settings['flip']:.0%} of examples whose captions name no direction, flag or writing"
        )
    if len(parts) == 1:
        return f"each image {parts[0]} (white fill) per example"
    return "per example, each image " + ", ".join(parts)


def _encoder_fact(config: Any) -> str | None:
    if getattr(config, "encoder_block", "plain") == "plain":
        return None
    widths = ", ".join(map(str, config.encoder_channels))
    return (
        f"{len(config.encoder_channels)} residual blocks (two 3x3 convs, {config.encoder_norm} norm, a skip "
        f"connection, 2x2 max-pool) of widths {widths} on {config.image_size}x{config.image_size} input"
    )


def _length_penalty_fact(report: dict[str, Any]) -> str | None:
    decoding = report.get("decoding")
    if not decoding:
        return None
    tried = ", ".join(f"{penalty} -> {bleu:.1f}" for penalty, bleu in decoding["selection_bleu"].items())
    saved = (
        "greedy" if decoding["saved"] == "greedy" else decoding["saved"].replace("beam", "beam search with ")
    )
    return (
        f"length penalty {decoding['length_penalty']:g}, chosen on the selection splits' BLEU ({tried}; greedy "
        f"{decoding['greedy_selection_bleu']:.1f}); the saved default decoding is the better there: {saved}"
    )
