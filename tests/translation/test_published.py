"""The published translation models under model_cards/ work the way their cards say (fast: no training)."""

import json
from pathlib import Path

import pytest
import torch
from huggingface_hub import ModelCard
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, pipeline

import rnnhub  # noqa: F401  (registers the rnnhub architectures with the Auto classes)
from rnnhub import data
from rnnhub.publish.verify import MAX_FOLDER_MB, PICKLE_SUFFIXES, folder_mb, verify
from rnnhub.translation.pipeline import TASK, TranslationPipeline, register
from rnnhub.translation.view import translate_with_attention

MODEL_CARDS = Path(__file__).resolve().parents[2] / "model_cards"
# The published folders and the corpus each was trained on: both must exist (a missing one fails, not skips).
PUBLISHED = {"lstm-translation-de-en": "ding-de-en", "lstm-translation-en-zh": "libreoffice-en-zh"}
CHECKED_SENTENCES = 3


@pytest.fixture(scope="module", params=sorted(PUBLISHED))
def published(request):
    folder = MODEL_CARDS / request.param
    model = AutoModelForSeq2SeqLM.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    test = data.load_pairs(PUBLISHED[request.param], split="test")
    return folder, model, tokenizer, test


def test_loads_with_stock_auto_classes(published):
    folder, model, tokenizer, _ = published
    assert model.config.model_type == "rnnhub-seq2seq" and model.config.bidirectional
    assert model.config.attention_type != "none"
    assert len(tokenizer) <= model.config.vocab_size
    generation = model.generation_config
    report = json.loads((folder / "eval_report.json").read_text(encoding="utf-8"))
    chosen = report.get("length_penalty", {}).get("chosen", 1.0)  # chosen on validation by the recipe
    assert generation.num_beams == 5 and generation.max_new_tokens and generation.length_penalty == chosen
    assert folder_mb(folder) <= MAX_FOLDER_MB
    assert not [p for p in folder.rglob("*") if p.suffix in PICKLE_SUFFIXES]


def test_translates_through_the_pipeline(published):
    folder, _, _, test = published
    register()
    # The folder names its pipeline in custom_pipelines, so transformers wants an opt-in: rnnhub's class.
    translate = pipeline(TASK, model=str(folder), pipeline_class=TranslationPipeline)
    sources = test["source"][:CHECKED_SENTENCES]
    outputs = translate(sources + [""], num_beams=5, batch_size=2)
    assert len(outputs) == CHECKED_SENTENCES + 1 and outputs[-1] == {"translation_text": ""}
    assert all(o["translation_text"].strip() for o in outputs[:-1])
    assert translate(sources[0])[0] == outputs[0]


def test_beam_search_with_cache_equals_rerunning_the_prefix(published):
    _, model, tokenizer, test = published
    for source in test["source"][:CHECKED_SENTENCES]:
        ids = tokenizer(source, return_tensors="pt")
        with torch.no_grad():
            cached = model.generate(**ids, num_beams=5, max_new_tokens=24, use_cache=True)
            rerun = model.generate(**ids, num_beams=5, max_new_tokens=24, use_cache=False)
        assert torch.equal(cached, rerun), source


def test_attention_rows_sum_to_one(published):
    _, model, tokenizer, test = published
    view = translate_with_attention(model, tokenizer, test["source"][0], num_beams=5)
    assert view["translation"] and view["attention"]
    assert len(view["attention"]) == len(view["target_tokens"])
    for row in view["attention"]:
        assert len(row) == len(view["source_tokens"])
        assert sum(row) == pytest.approx(1.0, abs=1e-4)


def test_card_carries_the_measured_scores_and_samples(published):
    folder, _, _, test = published
    report = json.loads((folder / "eval_report.json").read_text(encoding="utf-8"))
    card = ModelCard.load(folder / "README.md")
    results = {(r.dataset_split, r.metric_name): r.metric_value for r in card.data.eval_results}
    for split in ("test", "validation"):
        for decoding, label in (("beam", "beam 5"), ("greedy", "greedy")):
            assert results[(split, f"BLEU ({label})")] == round(report["metrics"][split][decoding]["bleu"], 2)
            assert results[(split, f"chrF ({label})")] == round(report["metrics"][split][decoding]["chrf"], 2)
    assert report["metrics"]["test"]["beam"]["rows"] == len(test)
    assert len(report["samples"]) == 10
    if folder.name.endswith("de-en"):
        assert "| none |" in card.text  # the ablation without attention is in the comparison table
    check = verify(folder, remote_code=False)
    assert check.ok, str(check)
