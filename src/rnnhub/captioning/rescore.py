"""Score a trained captioning folder with this version's evaluation, without training (``rnnhub train
captioning-rescore``).

>>> from rnnhub.captioning.rescore import rescore_captioning
>>> rescore_captioning("model_cards/lstm-captioning-emoji")

The folder's weights, tokenizer, image processor and generation config are read and never written. The splits are
rebuilt the way training saw them (the same held-out training variants, the same extra training corpora), then every
selection and test split is captioned greedily and with beam search and scored with every metric of
:mod:`rnnhub.captioning.metrics`, next to nearest-neighbour retrieval on the same test splits. Corpora the model was
*not* trained on (``evaluate_corpora``, by default ``clipart-captions``) are scored on their test splits too, with
the retrieval baseline fitted on their own train split (what their goal compares with) and, as a like-for-like
reference, retrieval from the model's own training pictures. ``eval_report.json``, ``samples.png`` (chosen by the
rule of :mod:`rnnhub.captioning.samples`) and the card are rewritten; the training facts are kept.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rnnhub.captioning.corpora import extra_split_name, load_extra_corpora, test_split_names
from rnnhub.captioning.settings import RECIPE_KEY, SELECTION_SPLITS, TEST_SPLITS, CaptioningSettings

__all__ = ["EVALUATION_CORPORA", "rescore_captioning"]

# Corpora every rescore also scores the model on (their test splits), whether or not it trained on them.
EVALUATION_CORPORA = ("clipart-captions",)
_FIELDS = set(CaptioningSettings.__dataclass_fields__)


def rescore_captioning(
    folder: str | os.PathLike[str],
    *,
    evaluate_corpora: Sequence[str] = EVALUATION_CORPORA,
    data: Any = None,
    extra_data: Mapping[str, Any] | None = None,
    threads: int | None = None,
    command: str | None = None,
) -> dict[str, Any]:
    """Re-score ``folder`` (written by ``rnnhub train captioning``) and rewrite its report, samples and card.

    Args:
        folder: the model folder; its ``model.safetensors`` and other model files are only read.
        evaluate_corpora: corpora whose test splits are scored too (the ones it trained on are scored anyway).
        data: the main corpus' splits instead of ``data/emoji-captions`` (tests).
        extra_data: ``{name: splits}`` for extra or evaluation corpora instead of the committed ones (tests).
        threads: torch CPU threads (restored afterwards); None keeps the current setting.
        command: the command line recorded under ``recipe.rescored``.

    Returns the new report. Raises ValueError when the folder has no report from the recipe, or when the main
    corpus' train split is no longer the one the model was trained on.
    """
    import torch

    from rnnhub.captioning.card import read_report, write_card
    from rnnhub.captioning.corpora import combine_corpora
    from rnnhub.captioning.recipe import _baselines, _hold_out_variants, _load_splits
    from rnnhub.captioning.samples import KINDS, PER_KIND, sample_rows
    from rnnhub.captioning.settings import settings_with
    from rnnhub.captioning.view import load_captioner
    from rnnhub.engine.run_info import recipe_hardware
    from rnnhub.engine.settings import torch_threads

    started = time.perf_counter()
    folder = Path(folder)
    report = read_report(folder)
    recipe = report[RECIPE_KEY]
    settings = settings_with(**{k: v for k, v in recipe["settings"].items() if k in _FIELDS})
    weights = folder / "model.safetensors"
    digest = _sha256(weights)

    # The splits as training saw them: the same held-out variants, the same extra training corpora.
    trained_on = tuple(recipe.get("extra_corpora", ()))
    splits = _hold_out_variants(_load_splits(data), settings.variant_validation)
    extra = load_extra_corpora(trained_on, extra_data)
    splits, _ = combine_corpora(splits, extra)
    if len(splits["train"]) != report["rows"]["train"]:
        raise ValueError(
            f"{folder} was trained on {report['rows']['train']} images, but the train split now has "
            f"{len(splits['train'])}: the corpus changed, so its held-out validation split cannot be rebuilt and "
            "the scores would not be comparable. Rescore with the corpus the model was trained on."
        )
    others = load_extra_corpora([n for n in evaluate_corpora if n not in trained_on], extra_data)
    for name, corpus in others.items():
        for test in test_split_names(corpus):
            splits[extra_split_name(name, test)] = corpus[test]
    selection_names = [n for n in SELECTION_SPLITS if n in splits] + [
        extra_split_name(c, "validation") for c in extra
    ]
    test_names = [
        *TEST_SPLITS,
        *(
            extra_split_name(c, t)
            for corpora in (extra, others)
            for c in corpora
            for t in test_split_names(corpora[c])
        ),
    ]

    with torch_threads(threads):
        model, image_processor, tokenizer = load_captioner(folder)
        if report.get("decoding"):  # beam search's length penalty, chosen on selection when it was trained
            model.generation_config.length_penalty = report["decoding"]["length_penalty"]
        metrics, outputs = _score(
            model, image_processor, tokenizer, splits, [*selection_names, *test_names], settings
        )
        baseline = _baselines(splits, extra, keep_predictions=True)
        retrieval = baseline.pop("predictions")
        for name, corpus in others.items():
            retrieval.update(_evaluation_baselines(baseline, name, corpus, splits["train"]))
        ranked_by = "greedy" if model.generation_config.num_beams == 1 else f"beam{settings.num_beams}"
        samples = sample_rows(splits, outputs, retrieval, test_names, ranked_by=ranked_by)
        hardware = recipe_hardware(torch.get_num_threads())

    from rnnhub.captioning.figures import sample_grid

    images = [splits[s["split"]][s["index"]]["image"] for s in samples]
    sample_grid(images, samples, folder / "samples.png", columns=len(KINDS) * PER_KIND)
    if _sha256(weights) != digest:  # nothing above writes them; this says so in the report
        raise RuntimeError(f"{weights} changed while rescoring.")
    report.update(
        metrics=metrics,
        baseline=baseline,
        samples=samples,
        rows={**report["rows"], **{name: len(splits[name]) for name in (*selection_names, *test_names)}},
    )
    recipe["evaluation_corpora"] = list(others)
    recipe["rescored"] = {
        "command": command,
        "hardware": hardware,
        "seconds": round(time.perf_counter() - started, 1),
        "samples_ranked_by": ranked_by,
        "model_safetensors_sha256": digest,
    }
    (folder / "eval_report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    write_card(folder)
    return report


def _score(model, image_processor, tokenizer, splits, names, settings) -> tuple[dict, dict]:
    """Scores and captions of every split in ``names``, greedy and with beam search."""
    from rnnhub.captioning.data import caption_lists, encode_images
    from rnnhub.captioning.evaluate import evaluate_captioner

    metrics, outputs = {}, {}
    for name in names:
        metrics[name], outputs[name] = evaluate_captioner(
            model,
            tokenizer,
            encode_images(image_processor, list(splits[name]["image"])),
            caption_lists(list(splits[name]["captions"]), name),
            beams=(1, settings.num_beams),
            max_new_tokens=settings.max_length,
        )
    return metrics, outputs


def _evaluation_baselines(
    baseline: dict[str, Any], name: str, corpus: Any, model_train: Any
) -> dict[str, list[str]]:
    """Retrieval on a corpus the model did not train on, added to ``baseline``: from the corpus' own train split
    (``baseline["metrics"]``, what its goal compares with) and from the model's training pictures
    (``baseline["evaluation_corpora"][name]["from_model_training"]``). Returns the first's captions per split."""
    from rnnhub.captioning.baseline import run_nearest_neighbour_baseline

    tests = test_split_names(corpus)
    own = run_nearest_neighbour_baseline(corpus, evaluate=tests, keep_predictions=True)
    same = run_nearest_neighbour_baseline(
        {"train": model_train, "validation": corpus["validation"], **{t: corpus[t] for t in tests}},
        evaluate=tests,
    )
    baseline["metrics"].update({extra_split_name(name, t): own["metrics"][t] for t in tests})
    baseline.setdefault("evaluation_corpora", {})[name] = {
        "baseline": own["baseline"],
        "settings": own["settings"],
        "selection": own["selection"],
        "retrieves_from": f"{name} train ({len(corpus['train'])} images)",
        "from_model_training": {
            "baseline": same["baseline"],
            "settings": same["settings"],
            "retrieves_from": f"the model's train split ({len(model_train)} images)",
            "metrics": {extra_split_name(name, t): same["metrics"][t] for t in tests},
        },
    }
    return {extra_split_name(name, t): own["predictions"][t] for t in tests}


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()
