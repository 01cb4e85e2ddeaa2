"""The card of the emoji captioner, generated from its config and ``eval_report.json`` (never edited by hand).

``write_card(folder)`` rebuilds ``folder/README.md``; :func:`rnnhub.captioning.recipe.train_captioning` calls it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from rnnhub.captioning.settings import CORPUS, RECIPE_KEY, SELECTION_SPLITS, TEST_SPLITS, VARIANT_VALIDATION

__all__ = ["write_card"]


def _read_report(folder: Path) -> dict[str, Any]:
    path = folder / "eval_report.json"
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(
            f"{folder} has no readable eval_report.json from `rnnhub train captioning`."
        ) from error
    if RECIPE_KEY not in report:
        raise ValueError(f"{path} was not written by `rnnhub train captioning`.")
    return report


def write_card(folder: str | os.PathLike[str]) -> Path:
    """(Re)write ``folder/README.md`` from its config and ``eval_report.json`` (written by :func:`train_captioning`)."""
    from transformers import AutoConfig

    from rnnhub.publish.cards import make_model_card, save_card

    folder = Path(folder)
    report = _read_report(folder)
    recipe, metrics, settings = report[RECIPE_KEY], report["metrics"], report[RECIPE_KEY]["settings"]
    config = AutoConfig.from_pretrained(folder)
    beam = f"beam{settings['num_beams']}"
    rows, baselines = [], []
    for split in [name for name in (*TEST_SPLITS, *SELECTION_SPLITS) if name in metrics]:
        for mode, label in (("greedy", "greedy"), (beam, f"beam {settings['num_beams']}")):
            rows.append(
                {
                    "name": f"BLEU-4 ({label})",
                    "type": "bleu",
                    "value": metrics[split][mode]["bleu"],
                    "split": split,
                }
            )
            rows.append(
                {
                    "name": f"Exact match ({label})",
                    "type": "exact_match",
                    "value": metrics[split][mode]["exact_match"],
                    "split": split,
                }
            )
    for split in TEST_SPLITS:
        measured = report["baseline"]["metrics"][split]
        for kind, name in (("bleu", "BLEU-4"), ("exact_match", "Exact match")):
            baselines.append(
                {
                    "baseline": "nearest neighbour",
                    "type": kind,
                    "name": name,
                    "value": measured[kind],
                    "split": split,
                }
            )
    samples = [
        {
            "split": s["split"],
            "emoji": s["emoji"],
            "reference": s["reference"],
            "greedy": s["greedy"],
            f"beam {settings['num_beams']}": s["beam"],
        }
        for s in report["samples"]
    ]
    training = {
        "command": recipe.get("command"),
        "seed": report["seed"],
        "tokenizer": f"word-level, lowercased, trained on the train split's captions only: {recipe['vocab_size']} "
        "tokens (hyphenated words and apostrophes kept whole)",
        "image processor": "stock `ViTImageProcessor` (preprocessor_config.json): resize to "
        f"{config.image_size}x{config.image_size} bicubic, rescale to [0, 1], normalise with mean 0.5, std 0.5",
        "training examples": f"{report['training_pairs']:,} (image, caption) pairs: every caption of the "
        f"{report['rows']['train']:,} training images; each image shifted at random by up to "
        f"{settings['max_shift']} px (white fill) per example",
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
        "regularisation": f"dropout {settings['dropout']:g}, embedding dropout {settings['embedding_dropout']:g}",
        "train time": f"{report['train_time_s']:.0f} s (whole command incl. tokenizer, evaluation and baseline: "
        f"{report['total_time_s']:.0f} s)",
        "hardware": recipe.get("hardware"),
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
    description = (
        "Writes the name of an emoji picture (64x64): a small CNN turns the image into a "
        f"{recipe['grid_size'][0]}x{recipe['grid_size'][1]} grid of feature vectors and "
        f"{'a' if recipe['cell_type'] == 'gru' else 'an'} {recipe['cell_type'].upper()} decoder with soft (Bahdanau) attention over the grid writes the caption word "
        "by word (Show, Attend and Tell). Trained from scratch by `rnnhub train captioning` (one command, see "
        f"Training). {verdict}"
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
    metrics_note = (
        "BLEU-4 is sacrebleu's corpus BLEU (13a tokenisation) against *all* reference captions of an image (the "
        "corpus lists several names per emoji, e.g. the CLDR name and the Unicode name); exact match counts a "
        "caption equal to any reference, ignoring case. "
        f"`test`: {rows_count['test']} pictures of emoji whose base emoji (and all its variants) never appear in "
        f"training; `test_variants`: {rows_count['test_variants']} skin-tone / gender / direction / hair variants "
        "whose base emoji is in training but whose own picture is not. The nearest-neighbour baseline returns the "
        f"caption of the most similar training image ({report['baseline']['baseline']}; size and centring chosen on "
        f"validation).{held_out}"
    )
    sections = {
        "Metrics and baseline": metrics_note,
        "Sample grid": "Test images with their reference caption and the model's greedy caption (a fixed, evenly "
        "spaced selection of each test split, not picked by quality):\n\n![samples](samples.png)",
        "Attention": "Where the decoder looks while it writes each word (`rnnhub.captioning.view."
        "caption_with_attention` returns these maps as data):\n\n![attention](attention.png)",
        "Licence": "The weights are learned from Noto Emoji images (Apache-2.0) and CLDR/OpenMoji names (CC BY-SA "
        "4.0, see the `emoji-captions` dataset card); treat them as derived from both (licence id `other`).",
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
        datasets=[CORPUS],
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
