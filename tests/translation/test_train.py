"""finetune_seq2seq / train_seq2seq: Seq2SeqTrainer with predict_with_generate on tiny models (fast)."""

import json

import datasets
import pandas as pd
import pytest
from huggingface_hub import ModelCard
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from builders import PAIRS, pair_tokenizer, save_tiny_translator
from rnnhub.models import RnnHubConfig, RnnHubForCausalLM, RnnHubForSeq2SeqLM
from rnnhub.tokenization import train_tokenizer
from rnnhub.translation.train import finetune_seq2seq, load_pairs, train_seq2seq


def _save_tiny_translator(path):
    return save_tiny_translator(
        path,
        pair_tokenizer(PAIRS, vocab_size=90, max_length=16),
        cell="gru",
        attention="luong",
        embedding_size=12,
        hidden_size=10,
        decoder_hidden_size=14,
        num_beams=2,
        max_new_tokens=8,
    )


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return _save_tiny_translator(tmp_path_factory.mktemp("source"))


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "pairs.csv"
    rows = PAIRS * 6
    pd.DataFrame({"de": [s for s, _ in rows], "en": [t for _, t in rows], "note": "x"}).to_csv(
        path, index=False
    )
    return path


@pytest.fixture(scope="module")
def finetuned(source, csv_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "finetuned"
    result = finetune_seq2seq(
        source,
        csv_file,
        output_dir=out,
        source_column="de",
        target_column="en",
        validation_fraction=0.25,
        epochs=3,
        learning_rate=1e-2,
        batch_size=8,
        num_beams=2,
        model_id="me/tiny-finetuned",
        command="rnnhub finetune ...",
    )
    return result


def test_finetune_writes_a_complete_folder(finetuned):
    out = finetuned.output_dir
    for name in ("config.json", "model.safetensors", "tokenizer.json", "generation_config.json", "README.md"):
        assert (out / name).is_file(), name
    assert not (out / "checkpoints").exists()  # pickled optimizer state must not be published
    model = AutoModelForSeq2SeqLM.from_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert model.generation_config.num_beams == 2  # the source model's generation config is kept
    generated = model.generate(**tokenizer("Ich bin müde.", return_tensors="pt"))
    assert generated.shape[0] == 1


def test_finetune_reports_generated_scores(finetuned):
    report = json.loads((finetuned.output_dir / "eval_report.json").read_text(encoding="utf-8"))
    assert set(report["metrics"]) == {"validation"}  # a CSV without a test split
    assert report["num_beams"] == 2 and set(report["metrics"]["validation"]) == {"bleu", "chrf"}
    assert 0.0 <= report["metrics"]["validation"]["bleu"] <= 100.0
    assert report["bleu_tokenize"] == "13a"
    assert report["rows"] == {"train": 27, "validation": 9}
    # predict_with_generate: every evaluation during training scored generated text.
    assert len(report["history"]) == 3 and all("eval_bleu" in entry for entry in report["history"])
    # Training learns: the validation loss falls (lr 1e-2 on repeated pairs).
    assert report["history"][-1]["eval_loss"] < report["history"][0]["eval_loss"]
    card = ModelCard.load(finetuned.output_dir / "README.md")
    results = {(r.dataset_split, r.metric_type): r.metric_value for r in card.data.eval_results}
    assert results[("validation", "bleu")] == round(report["metrics"]["validation"]["bleu"], 2)
    assert card.data.pipeline_tag == "translation"


def test_evaluation_leaves_the_generation_length_unset(finetuned):
    # Seq2SeqTrainer's evaluation fills max_length=20 into the model's own generation config; beside the model's
    # max_new_tokens that draws a warning on every later generate() and would be saved with the folder.
    saved = json.loads((finetuned.output_dir / "generation_config.json").read_text(encoding="utf-8"))
    assert saved["max_new_tokens"] == 8 and "max_length" not in saved


def test_train_seq2seq_on_a_dataset_dict_with_time_budget(source, tmp_path):
    model = RnnHubForSeq2SeqLM.from_pretrained(source)
    tokenizer = AutoTokenizer.from_pretrained(source)
    pairs = {"source": [s for s, _ in PAIRS] * 4, "target": [t for _, t in PAIRS] * 4}
    splits = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict(pairs),
            "validation": datasets.Dataset.from_dict(pairs).select(range(4)),
        }
    )
    result = train_seq2seq(
        model, tokenizer, splits, output_dir=tmp_path / "out", epochs=50, batch_size=4, max_train_minutes=1e-6
    )
    # The budget is spent after the first step: one last evaluation there, then stop.
    assert result.global_step == 1 and result.extra["stopped_by_time_budget"] is True
    assert len(result.extra["history"]) == 1 and result.best_step == 1
    assert (tmp_path / "out" / "model.safetensors").is_file()


def test_missing_column_lists_the_available_ones(source, csv_file, tmp_path):
    with pytest.raises(ValueError, match=r"Column 'german'.*available columns: de, en, note"):
        finetune_seq2seq(
            source, csv_file, output_dir=tmp_path / "x", source_column="german", target_column="en"
        )
    with pytest.raises(ValueError, match=r"Column 'target'"):
        load_pairs(csv_file, source_column="de")  # target defaults to "target"


def test_refuses_a_model_that_does_not_translate(csv_file, tmp_path):
    folder = tmp_path / "lm"
    tokenizer = train_tokenizer(["a b c"], kind="word")
    RnnHubForCausalLM(
        RnnHubConfig(vocab_size=len(tokenizer), embedding_size=4, hidden_size=6)
    ).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    with pytest.raises(ValueError, match="needs an rnnhub translation model"):
        finetune_seq2seq(folder, csv_file, output_dir=tmp_path / "x", source_column="de", target_column="en")


def test_bad_arguments_raise_value_errors(source, csv_file, tmp_path):
    common = {"output_dir": tmp_path / "x", "source_column": "de", "target_column": "en"}
    with pytest.raises(ValueError, match="num_beams"):
        finetune_seq2seq(source, csv_file, num_beams=0, **common)
    with pytest.raises(ValueError, match="max_length"):
        finetune_seq2seq(source, csv_file, max_length=1, **common)
    with pytest.raises(ValueError, match="Nothing to resume"):
        finetune_seq2seq(source, csv_file, resume=True, **common)
    with pytest.raises(ValueError, match="must be a file"):
        load_pairs(42)


# ---------------------------------------------------------------------------------------------------------------
# The standard layout of Hub translation datasets: one `translation` column of {language: text}


@pytest.fixture(scope="module")
def hub_layout_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("hub") / "pairs.jsonl"
    rows = [{"translation": {"de": s, "en": t}} for s, t in PAIRS * 6]
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def test_rnnhub_finetune_reads_a_translation_column(source, hub_layout_file, tmp_path, capsys):
    from rnnhub import finetune_cli

    out = tmp_path / "from-hub-layout"
    argv = ["--model", str(source), "--data", str(hub_layout_file), "--output", str(out), "--epochs", "1"]
    # Before: "Column 'source' not found; available: translation". The model's config names no languages.
    assert finetune_cli.main(argv) == 2
    assert "--source-lang de --target-lang en" in capsys.readouterr().err
    assert finetune_cli.main([*argv, "--source-lang", "de", "--target-lang", "en", "--batch-size", "8"]) == 0
    report = json.loads((out / "eval_report.json").read_text(encoding="utf-8"))
    assert report["rows"] == {"train": 32, "validation": 4}
    assert "--source-lang de --target-lang en" in report["command"]
    # The fine-tuned model's config names its languages: fine-tuning it again needs no flags.
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert (config["source_language"], config["target_language"]) == ("de", "en")
    again = tmp_path / "again"
    assert (
        finetune_cli.main(
            [
                "--model",
                str(out),
                "--data",
                str(hub_layout_file),
                "--output",
                str(again),
                "--epochs",
                "1",
                "--batch-size",
                "8",
            ]
        )
        == 0
    )
    capsys.readouterr()
    # A language the column lacks is refused before training.
    fr = ["--model", str(source), "--data", str(hub_layout_file), "--output", str(tmp_path / "fr")]
    assert finetune_cli.main([*fr, "--source-lang", "fr", "--target-lang", "en"]) == 2
    assert "no language 'fr'; it has de, en" in capsys.readouterr().err
    assert not (tmp_path / "fr").exists()
