"""The LSTM language-model pretraining recipe (rnnhub.lm.recipe) and its published folders."""

import json
import math
from pathlib import Path

import datasets
import numpy as np
import pytest
import torch
from huggingface_hub import ModelCard
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer, pipeline

from rnnhub.lm.comparison import OTHER_RUNS_KEY, finetune_comparison, record_other_runs
from rnnhub.lm.recipe import make_blocks, ngram_perplexity, train_lm

ROOT = Path(__file__).resolve().parents[2]
LM_FOLDER = ROOT / "model_cards" / "lstm-lm-en"
SENTIMENT_FOLDER = ROOT / "model_cards" / "lstm-sentiment-rt-en-lm"

TINY = {
    "embedding_size": 16,
    "hidden_size": 16,
    "seq_len": 8,
    "batch_size": 4,
    "max_steps": 4,
    "warmup_steps": 0,
}


def _corpus(columns: dict[str, list]) -> datasets.DatasetDict:
    return datasets.DatasetDict(
        {split: datasets.Dataset.from_dict(columns) for split in ("train", "validation", "test")}
    )


def _sentences(n: int) -> list[str]:
    words = ["the cat sat on the mat .", "a good film , a great film .", "a bad film , a dull film ."]
    return [words[i % 3] for i in range(n)]


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lm") / "tiny-lm"
    result = train_lm(
        _corpus({"text": _sentences(60)}), output_dir=out, vocab_size=40, min_frequency=1, **TINY
    )
    assert result.global_step == 4
    assert set(result.perplexity) == {"validation", "test"}
    return out


def test_tiny_train_lm_loads_with_auto_classes_and_generates(tiny_lm):
    model = AutoModelForCausalLM.from_pretrained(tiny_lm)
    tokenizer = AutoTokenizer.from_pretrained(tiny_lm)
    prompt = torch.tensor(
        [[tokenizer.bos_token_id, *tokenizer("the cat", add_special_tokens=False)["input_ids"]]]
    )
    output = model.generate(prompt, max_new_tokens=5, do_sample=False)
    assert output.shape == (1, prompt.shape[1] + 5)
    report = json.loads((tiny_lm / "eval_report.json").read_text())
    assert len(report["samples"]) == 3
    assert report["perplexity"]["test"] == pytest.approx(math.exp(report["loss"]["test"]))
    assert "text-generation" in (tiny_lm / "README.md").read_text()
    assert not any(path.name.startswith("checkpoint") for path in tiny_lm.iterdir())


def test_train_lm_refuses_a_non_empty_folder(tiny_lm):
    with pytest.raises(ValueError, match="not empty"):
        train_lm(_corpus({"text": _sentences(60)}), output_dir=tiny_lm, **TINY)


def test_make_blocks_concatenates_and_drops_the_tail(tiny_lm):
    tokenizer = AutoTokenizer.from_pretrained(tiny_lm)
    blocks = make_blocks(["the cat", "the mat ."], tokenizer, seq_len=3)
    # <bos> the cat <eos> <bos> the mat . <eos>: 9 tokens -> 3 blocks of 3
    assert blocks.shape == (3, 3)
    assert blocks[0, 0] == tokenizer.bos_token_id and blocks[1, 0] == tokenizer.eos_token_id
    with pytest.raises(ValueError, match="fewer than one block"):
        make_blocks(["the"], tokenizer, seq_len=50)


def test_ngram_perplexity_on_a_hand_checked_toy():
    train = np.array([[1, 2, 1, 2]])
    # Unigram: counts 0:0, 1:2, 2:2 (N=4, V=3); the only scored token is 2: p = 3/7.
    assert ngram_perplexity(train, np.array([[1, 2]]), vocab_size=3, order=1) == pytest.approx(7 / 3)
    # Bigram: c(1,2)=2, c(2,1)=1, c(1,.)=2, c(2,.)=1; scored: p(2|1) = 3/5, p(0|2) = 1/4.
    expected = (3 / 5 * 1 / 4) ** -0.5
    assert ngram_perplexity(train, np.array([[1, 2, 0]]), vocab_size=3, order=2) == pytest.approx(expected)
    with pytest.raises(ValueError, match="order"):
        ngram_perplexity(train, train, vocab_size=3, order=3)


def test_finetune_comparison_publishes_both_results(tiny_lm, tmp_path):
    texts = [s for s in _sentences(60)[1::3] + _sentences(60)[2::3]]
    labels = ["positive"] * 20 + ["negative"] * 20
    data = _corpus({"text": texts, "label": labels})
    settings = {"data": data, "epochs": 1, "batch_size": 8, "early_stopping_patience": None}
    results = finetune_comparison(
        tiny_lm, output_dir=tmp_path / "clf", work_dir=tmp_path / "work", **settings
    )
    assert set(results) == {"pretrained", "scratch"}
    report = json.loads((tmp_path / "clf" / "eval_report.json").read_text())
    assert report["from_scratch"]["metrics"]["test"] == results["scratch"]["test"]
    card = (tmp_path / "clf" / "README.md").read_text()
    # The TF-IDF baseline belongs to rt-sentiment-en only.
    assert "same LSTM from scratch" in card and "TF-IDF" not in card
    assert "tfidf_baseline_test" not in report

    # A finished from-scratch run with the same settings is reused; one with other settings is refused.
    again = finetune_comparison(
        tiny_lm, output_dir=tmp_path / "clf2", scratch_run=tmp_path / "work" / "scratch", **settings
    )
    assert again["scratch"] == results["scratch"]
    with pytest.raises(ValueError, match="learning_rate"):
        finetune_comparison(
            tiny_lm,
            output_dir=tmp_path / "clf3",
            scratch_run=tmp_path / "work" / "scratch",
            learning_rate=0.5,
            **settings,
        )

    # Seeded comparisons run beside it go into its report and card; its weights and own numbers stay.
    weights = (tmp_path / "clf" / "model.safetensors").read_bytes()
    arm = {"mean": 0.7, "std": 0.01}
    row = {"variant": "ulmfit", "lm": "target-finetuned", "options": "--gradual-unfreezing", "seeds": [0, 1]}
    row |= {"lm_validation_accuracy": arm, "lm_test_accuracy": {"mean": 0.69, "std": 0.02}}
    row |= {"scratch_validation_accuracy": {"mean": 0.72, "std": None}, "scratch_test_accuracy": arm}
    record_other_runs(tmp_path / "clf", {"command": "python bench/ulmfit_runs.py", "rows": [row]}, tiny_lm)
    recorded = json.loads((tmp_path / "clf" / "eval_report.json").read_text())
    assert recorded[OTHER_RUNS_KEY]["rows"] == [row] and recorded["metrics"] == report["metrics"]
    assert (tmp_path / "clf" / "model.safetensors").read_bytes() == weights
    card = (tmp_path / "clf" / "README.md").read_text()
    assert (
        "| ulmfit | target-finetuned | `--gradual-unfreezing` | 2 | 0.6900 ± 0.0200 | 0.7000 ± 0.0100 |"
        in card
    )
    assert "ulmfit: the LM start is 2.0 points below from scratch on validation (1.0 below on test)" in card
    assert "same LSTM from scratch" in card


def test_finetune_comparison_gives_both_arms_the_ulmfit_options(tiny_lm, tmp_path):
    texts = [s for s in _sentences(60)[1::3] + _sentences(60)[2::3]]
    data = _corpus({"text": texts, "label": ["positive"] * 20 + ["negative"] * 20})
    settings = {"data": data, "epochs": 2, "batch_size": 8, "early_stopping_patience": None}
    ulmfit = {"pooling": "concat", "layer_lr_decay": 2.6, "gradual_unfreezing": True}
    finetune_comparison(
        tiny_lm, output_dir=tmp_path / "clf", work_dir=tmp_path / "work", **settings, **ulmfit
    )
    for arm in (tmp_path / "clf", tmp_path / "work" / "scratch"):
        assert AutoModelForSequenceClassification.from_pretrained(arm).config.pooling == "concat"
        report = json.loads((arm / "eval_report.json").read_text())
        assert (report["layer_lr_decay"], report["gradual_unfreezing"]) == (2.6, True)
    assert "gradual unfreezing" in (tmp_path / "clf" / "README.md").read_text()
    # The finished scratch arm is reused for the same options only.
    again = dict(output_dir=tmp_path / "clf2", scratch_run=tmp_path / "work" / "scratch", **settings)
    finetune_comparison(tiny_lm, **again, **ulmfit)
    with pytest.raises(ValueError, match="gradual_unfreezing"):
        finetune_comparison(
            tiny_lm, **{**again, "output_dir": tmp_path / "clf3"}, pooling="concat", layer_lr_decay=2.6
        )
    with pytest.raises(ValueError, match="pooling"):
        finetune_comparison(
            tiny_lm, **{**again, "output_dir": tmp_path / "clf4"}, layer_lr_decay=2.6, gradual_unfreezing=True
        )


@pytest.mark.skipif(not (LM_FOLDER / "config.json").is_file(), reason="model_cards/lstm-lm-en is not built")
def test_published_lm_generates_identically_with_and_without_cache():
    model = AutoModelForCausalLM.from_pretrained(LM_FOLDER).eval()
    tokenizer = AutoTokenizer.from_pretrained(LM_FOLDER)
    prompt = torch.tensor(
        [[tokenizer.bos_token_id, *tokenizer("the ship", add_special_tokens=False)["input_ids"]]]
    )
    cached = model.generate(prompt, max_new_tokens=10, min_new_tokens=10, do_sample=False, use_cache=True)
    uncached = model.generate(prompt, max_new_tokens=10, min_new_tokens=10, do_sample=False, use_cache=False)
    assert cached.shape[1] == prompt.shape[1] + 10
    assert torch.equal(cached, uncached)

    report = json.loads((LM_FOLDER / "eval_report.json").read_text())
    results = ModelCard.load(LM_FOLDER / "README.md").data.eval_results
    card_test = [
        r.metric_value for r in results if r.metric_type == "perplexity" and r.dataset_split == "test"
    ]
    assert card_test == [pytest.approx(report["perplexity"]["test"], abs=0.005)]
    assert report["perplexity"]["test"] < report["baselines"]["add-one bigram"]["test"]


@pytest.mark.skipif(
    not (SENTIMENT_FOLDER / "config.json").is_file(),
    reason="model_cards/lstm-sentiment-rt-en-lm is not built",
)
def test_published_sentiment_model_classifies_obvious_reviews():
    model = AutoModelForSequenceClassification.from_pretrained(SENTIMENT_FOLDER)
    tokenizer = AutoTokenizer.from_pretrained(SENTIMENT_FOLDER)
    classify = pipeline("sentiment-analysis", model=model, tokenizer=tokenizer, device="cpu")
    assert classify("a wonderful, moving film")[0]["label"] == "positive"
    assert classify("a dull, tedious mess")[0]["label"] == "negative"


def test_train_lm_cli_runs_the_recipe(monkeypatch, tmp_path, capsys):
    from rnnhub.lm import cli as lm_cli
    from rnnhub.lm import recipe as lm

    monkeypatch.setattr(lm, "_load_corpus", lambda corpus: _corpus({"text": _sentences(60)}))
    out = tmp_path / "cli-lm"
    arguments = ["train-lm", "--output", str(out), "--vocab-size", "40", "--embedding-size", "16"]
    arguments += ["--hidden-size", "16", "--max-steps", "2", "--seq-len", "8", "--batch-size", "4"]
    assert lm_cli.main(arguments) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["global_step"] == 2 and (out / "config.json").is_file()


# ---------------------------------------------------------------------------------------------------------------
# ULMFiT's stage 2: the language model fine-tuned on a target corpus' train text


def test_finetune_lm_continues_the_language_model_on_the_target_train_text(tiny_lm, tmp_path):
    from rnnhub.lm.recipe import finetune_lm

    target = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict(
                {"text": ["a good film , a great film ."] * 40, "label": [1] * 40}
            ),
            "validation": datasets.Dataset.from_dict({"text": ["a great film , a good film ."] * 8}),
            "test": datasets.Dataset.from_dict({"text": ["a good film ."] * 8}),
        }
    )
    before = AutoModelForCausalLM.from_pretrained(tiny_lm)
    out = tmp_path / "tuned-lm"
    result = finetune_lm(tiny_lm, target, output_dir=out, epochs=2, seq_len=8, batch_size=4, lr=0.01)
    # 40 texts of 8 tokens (+ <bos>, <eos>) = 400 tokens = 50 blocks of 8; 2 epochs of batch 4 = 25 steps.
    assert result.report["blocks"]["train"] == 50 and result.global_step == 25
    assert result.report["settings"]["base_model"] == str(tiny_lm)
    tuned = AutoModelForCausalLM.from_pretrained(out)
    assert tuned.config.to_diff_dict() == before.config.to_diff_dict()
    # The same tokenizer (the vocabulary the weights index), new weights that fit the target text better.
    assert (out / "tokenizer.json").read_text() == (tiny_lm / "tokenizer.json").read_text()
    assert not torch.equal(tuned.rnnhub.embeddings.weight, before.rnnhub.embeddings.weight)
    blocks = make_blocks(list(target["validation"]["text"]), AutoTokenizer.from_pretrained(out), 8)
    inputs = torch.tensor(blocks)
    with torch.no_grad():
        loss_before = before(inputs, labels=inputs).loss
        loss_after = tuned(inputs, labels=inputs).loss
    assert loss_after < loss_before
    assert math.isclose(result.perplexity["validation"], math.exp(loss_after), rel_tol=1e-4)
    assert "fine-tuned on the TRAIN split" in ModelCard.load(out / "README.md").text


def test_finetune_lm_refuses_a_folder_that_is_not_a_language_model(tmp_path):
    from builders import make_classifier
    from rnnhub.lm.recipe import finetune_lm

    classifier = make_classifier(tmp_path / "classifier")
    with pytest.raises(ValueError, match="not an RnnHubForCausalLM"):
        finetune_lm(classifier, "rt-sentiment-en", output_dir=tmp_path / "out")
    with pytest.raises(ValueError, match="holds no model"):
        finetune_lm(tmp_path / "nothing", "rt-sentiment-en", output_dir=tmp_path / "out")


def test_train_lm_cli_start_from_fine_tunes_the_language_model(tiny_lm, monkeypatch, tmp_path, capsys):
    from rnnhub.lm import cli as lm_cli
    from rnnhub.lm import recipe as lm

    monkeypatch.setattr(lm, "_load_corpus", lambda corpus: _corpus({"text": _sentences(30)}))
    out = tmp_path / "cli-tuned"
    arguments = [
        "train-lm",
        "--start-from",
        str(tiny_lm),
        "--corpus",
        "rt-sentiment-en",
        "--output",
        str(out),
    ]
    assert lm_cli.main([*arguments, "--seq-len", "8", "--batch-size", "4", "--max-steps", "3"]) == 0
    assert json.loads(capsys.readouterr().out)["global_step"] == 3
    assert json.loads((out / "eval_report.json").read_text())["settings"]["lr"] == 1e-3
