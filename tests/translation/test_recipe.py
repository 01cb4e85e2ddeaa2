"""The translation recipe end to end on a tiny slice of ding-de-en (fast: tiny model, one epoch)."""

import json

import datasets
import pytest
import torch
from huggingface_hub import ModelCard
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, GenerationConfig, pipeline

from rnnhub import data
from rnnhub.cli import build_parser
from rnnhub.translation.cli import command_line
from rnnhub.translation.pipeline import TASK, TranslationPipeline, register
from rnnhub.translation.recipe import settings_for, train_translation, write_card

TINY = {
    "epochs": 1,
    "vocab_size": 300,
    "embedding_size": 16,
    "hidden_size": 12,
    "decoder_hidden_size": 20,
    "num_beams": 3,
    "max_train_minutes": 5,
}


@pytest.fixture(scope="module")
def tiny_splits():
    full = data.load_pairs("ding-de-en")
    return datasets.DatasetDict(
        {
            "train": full["train"].select(range(160)),
            "validation": full["validation"].select(range(24)),
            "test": full["test"].select(range(24)),
        }
    )


@pytest.fixture(scope="module")
def trained(tiny_splits, tmp_path_factory):
    root = tmp_path_factory.mktemp("recipe")
    records = root / "records"
    # The ablation first, so the published model's card can compare against it.
    train_translation(
        "ding-de-en",
        cell_type="gru",
        attention="none",
        output_dir=root / "ablation",
        data=tiny_splits,
        records_dir=records,
        **TINY,
    )
    result = train_translation(
        "ding-de-en",
        cell_type="gru",
        output_dir=root / "gru-translation-de-en",
        data=tiny_splits,
        records_dir=records,
        command="rnnhub train translation --corpus ding-de-en --cell gru --output gru-translation-de-en",
        **TINY,
    )
    return result, records


def test_recipe_writes_a_loadable_folder(trained):
    result, _ = trained
    folder = result.output_dir
    model = AutoModelForSeq2SeqLM.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert model.config.attention_type == "luong" and model.config.bidirectional
    assert model.config.vocab_size == len(tokenizer) <= 300
    assert tokenizer.model_max_length == settings_for("ding-de-en").max_source_length
    generation = GenerationConfig.from_pretrained(folder)
    assert generation.num_beams == 3 and generation.max_new_tokens == 64 and generation.length_penalty == 1.0
    register()
    assert list(json.loads((folder / "config.json").read_text())["custom_pipelines"]) == [TASK]
    # The folder names its pipeline in custom_pipelines, so transformers wants an opt-in: rnnhub's class.
    translate = pipeline(TASK, model=str(folder), pipeline_class=TranslationPipeline)
    outputs = translate(["Ich bin müde.", ""], batch_size=2)
    assert outputs[1] == {"translation_text": ""} and isinstance(outputs[0]["translation_text"], str)


def test_report_has_greedy_and_beam_scores_and_samples(trained, tiny_splits):
    result, records = trained
    report = json.loads((result.output_dir / "eval_report.json").read_text(encoding="utf-8"))
    for split in ("validation", "test"):
        for decoding in ("greedy", "beam"):
            scores = report["metrics"][split][decoding]
            assert 0.0 <= scores["bleu"] <= 100.0 and 0.0 <= scores["chrf"] <= 100.0
            assert scores["rows"] == 24
        assert report["metrics"][split]["beam"]["num_beams"] == 3
    assert report["bleu_tokenize"] == "13a"
    samples = report["samples"]
    assert len(samples) == 10
    test_pairs = dict(zip(tiny_splits["test"]["source"], tiny_splits["test"]["references"]))
    for sample in samples:  # the first reference, and how many more the sentence has
        references = test_pairs[sample["Source"]]
        more = f" (+{len(references) - 1} more)" if len(references) > 1 else ""
        assert sample["Reference"] == references[0] + more
    ranks = [float(s["chrF"]) for s in samples]
    assert ranks == sorted(ranks, reverse=True)  # best to worst: good and bad outputs alike
    assert {p.name for p in records.iterdir()} == {"ding-de-en-gru-luong.json", "ding-de-en-gru-none.json"}


def test_card_has_results_samples_and_the_ablation(trained):
    result, records = trained
    report = json.loads((result.output_dir / "eval_report.json").read_text(encoding="utf-8"))
    card = ModelCard.load(result.output_dir / "README.md")
    assert card.data.pipeline_tag == "translation" and card.data.language == ["de", "en"]
    results = {(r.dataset_split, r.metric_name): r.metric_value for r in card.data.eval_results}
    assert results[("test", "BLEU (beam 3)")] == round(report["metrics"]["test"]["beam"]["bleu"], 2)
    assert results[("test", "chrF (greedy)")] == round(report["metrics"]["test"]["greedy"]["chrf"], 2)
    text = card.text
    assert "## Samples" in text and report["samples"][0]["Source"].replace("|", "\\|") in text
    assert "| GRU | none |" in text and "| **GRU** | luong |" in text
    assert (
        "BLEU >= 15 on the cleaned test split" in text
        and "rnnhub train translation --corpus ding-de-en" in text
    )
    assert "## Everyday sentences" in text and report["everyday"]["rows"][0]["source"] in text
    assert "## Attention: aligned or collapsed" in text and "Peak on the first source token" in text
    # The card is regenerated from the report alone.
    (result.output_dir / "README.md").unlink()
    write_card(result.output_dir, records_dir=records)
    assert ModelCard.load(result.output_dir / "README.md").text == text


def test_bad_settings_raise_value_errors(tmp_path, tiny_splits):
    with pytest.raises(ValueError, match="No translation recipe"):
        settings_for("rt-sentiment-en")
    with pytest.raises(ValueError, match="Unknown setting"):
        settings_for("ding-de-en", beam_width=3)
    with pytest.raises(ValueError, match="attention must be one of"):
        settings_for("ding-de-en", attention="dot")
    with pytest.raises(ValueError, match="cell_type must be one of"):
        train_translation("ding-de-en", cell_type="transformer", output_dir=tmp_path, data=tiny_splits)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ValueError, match="already holds a model"):
        train_translation("ding-de-en", cell_type="gru", output_dir=tmp_path, data=tiny_splits)
    with pytest.raises(ValueError, match="no eval_report.json"):
        write_card(tmp_path)


def test_cli_parses_and_records_the_command():
    parser = build_parser()
    args = parser.parse_args(
        ["train", "translation", "--corpus", "libreoffice-en-zh", "--cell", "lstm", "--output", "out"]
        + ["--attention", "none", "--epochs", "3"]
    )
    assert args.recipe == "translation" and args.attention == "none"
    assert command_line(args) == (
        "rnnhub train translation --corpus libreoffice-en-zh --cell lstm --output out --attention none --epochs 3"
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "translation", "--corpus", "wmt14", "--cell", "gru", "--output", "x"])
    added = parser.parse_args(
        ["train", "translation", "--corpus", "ding-de-en", "--cell", "lstm", "--output", "o"]
        + ["--extra-train", "libreoffice-de-en", "--records-dir", "runs/records"]
    )
    assert added.extra_train == ["libreoffice-de-en"] and added.records_dir == "runs/records"
    # Where records go does not change what is trained: the card's command leaves it out.
    assert command_line(added).endswith("--output o --extra-train libreoffice-de-en")


def test_rescore_adds_the_old_test_split_everyday_sentences_and_attention(trained, tiny_splits):
    from rnnhub.translation.recipe import rescore

    result, records = trained
    with_old = datasets.DatasetDict(
        {**tiny_splits, "test_v1": data.load_pairs("ding-de-en")["test_v1"].select(range(12))}
    )
    before = json.loads((result.output_dir / "eval_report.json").read_text(encoding="utf-8"))
    report = rescore(result.output_dir, records_dir=records, data=with_old, half_precision=True)
    assert report["recipe"]["weights_stored_as"] == "float16"  # scored as stored: float16 weights
    assert set(report["metrics"]) == {"validation", "test", "test_v1"}
    assert report["metrics"]["test_v1"]["beam"]["rows"] == 12
    assert (
        report["history"] == before["history"] and report["recipe"]["command"] == before["recipe"]["command"]
    )
    assert len(report["everyday"]["rows"]) == 20 and 0.0 <= report["everyday"]["bleu"] <= 100.0
    assert 0.0 <= report["attention"]["peak_on_first"] <= 1.0
    from rnnhub.translation.recipe import LENGTH_PENALTIES

    search = report["length_penalty"]  # chosen on validation and saved in the generation config
    assert search["chosen"] in LENGTH_PENALTIES and len(search["validation_bleu"]) == len(LENGTH_PENALTIES)
    assert GenerationConfig.from_pretrained(result.output_dir).length_penalty == search["chosen"]
    card = ModelCard.load(result.output_dir / "README.md")
    assert "stored as float16" in card.text
    assert ("test_v1", "BLEU (beam 3)") in {(r.dataset_split, r.metric_name) for r in card.data.eval_results}


def test_extra_train_adds_train_rows_and_scores_the_added_test_split(tmp_path, tiny_splits, monkeypatch):
    from rnnhub.engine import settings as recipe_settings
    from rnnhub.translation.recipe import with_extra_train

    help_text = data.load_pairs("libreoffice-de-en")
    tiny_help = datasets.DatasetDict(
        {"train": help_text["train"].select(range(40)), "test": help_text["test"].select(range(10))}
    )
    loaded = []
    monkeypatch.setattr(recipe_settings, "load_corpus", lambda corpus: loaded.append(corpus) or tiny_help)
    settings = settings_for("ding-de-en", extra_train=("libreoffice-de-en",))
    splits = with_extra_train(tiny_splits, settings)
    assert loaded == ["libreoffice-de-en"] and len(splits["train"]) == 160 + 40
    assert set(splits["train"]["source"]) == set(tiny_splits["train"]["source"]) | set(
        tiny_help["train"]["source"]
    )
    assert splits["validation"] is tiny_splits["validation"]  # model selection stays on Ding
    assert with_extra_train(tiny_splits, settings_for("ding-de-en")) is tiny_splits
    with pytest.raises(ValueError, match="translates en->zh"):
        with_extra_train(tiny_splits, settings_for("ding-de-en", extra_train=("libreoffice-en-zh",)))

    result = train_translation(
        "ding-de-en",
        cell_type="gru",
        output_dir=tmp_path / "model",
        data=tiny_splits,
        records_dir=None,
        **{**TINY, "extra_train": ["libreoffice-de-en"]},
    )
    report = result.extra["report"]
    assert (
        report["rows"]["train"] == 200 and report["metrics"]["test_libreoffice_de_en"]["beam"]["rows"] == 10
    )
    card = ModelCard.load(result.output_dir / "README.md")
    assert card.data.datasets == ["<org>/ding-de-en", "<org>/libreoffice-de-en"]
    assert ("test_libreoffice_de_en", "BLEU (beam 3)") in {
        (r.dataset_split, r.metric_name) for r in card.data.eval_results
    }
    assert "those of `libreoffice-de-en`" in card.text and "+ libreoffice-de-en train" in card.text


def test_each_split_is_scored_once():
    from rnnhub.translation.recipe import _scored_splits

    names = ["train", "validation", "test", "test_v1", "test_libreoffice_de_en"]
    assert _scored_splits(names) == ["validation", "test", "test_v1", "test_libreoffice_de_en"]


def test_bf16_trains_under_autocast_and_saves_float32_weights(tmp_path, tiny_splits, bf16_trainable):
    """--bf16: Trainer's bfloat16 autocast in training; the saved weights and the recorded settings say so."""
    args = build_parser().parse_args(
        ["train", "translation", "--corpus", "ding-de-en", "--cell", "lstm", "--output", "o", "--bf16"]
    )
    assert args.bf16 is True and command_line(args).endswith("--output o --bf16")
    result = train_translation(
        "ding-de-en",
        cell_type="lstm",
        output_dir=tmp_path / "bf16",
        data=tiny_splits,
        records_dir=tmp_path / "records",
        bf16=True,
        **TINY,
    )
    report = result.extra["report"]
    assert report["recipe"]["settings"]["bf16"] is True
    assert "bfloat16 autocast" in (tmp_path / "bf16" / "README.md").read_text()
    model = AutoModelForSeq2SeqLM.from_pretrained(tmp_path / "bf16")
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    assert report["metrics"]["validation"]["greedy"]["rows"] == 24


def test_checkpoint_averaging_keeps_the_average_only_when_validation_bleu_rises(
    trained, tiny_splits, tmp_path, monkeypatch
):
    """`rnnhub train translation-average`: the mean of checkpoint files replaces the folder's weights only if it
    scores higher on validation (the scorer is replaced here by one that prefers the true weights, since a tiny
    model's BLEU is 0 either way)."""
    import shutil

    from safetensors.torch import load_file, save_file

    from rnnhub.translation import evaluate
    from rnnhub.translation.recipe import average_checkpoints

    result, records = trained
    folder = tmp_path / "model"
    shutil.copytree(result.output_dir, folder)
    good = {name: tensor.float() for name, tensor in load_file(str(folder / "model.safetensors")).items()}
    name = next(iter(good))
    # Two checkpoints whose mean is the good weights; the folder itself holds a corrupted copy.
    save_file({k: v + 1.0 for k, v in good.items()}, str(tmp_path / "checkpoint-1.safetensors"))
    save_file({k: v - 1.0 for k, v in good.items()}, str(tmp_path / "checkpoint-2.safetensors"))
    model = AutoModelForSeq2SeqLM.from_pretrained(folder)
    with torch.no_grad():
        model.get_parameter(name).add_(5.0)
    model.save_pretrained(folder)

    real = evaluate.evaluate_translation

    def closeness_to_good(model, *args, **kwargs):
        scores = real(model, *args, **kwargs)
        distance = (model.get_parameter(name).detach().float() - good[name]).abs().mean().item()
        return {**scores, "bleu": 50.0 - distance}

    monkeypatch.setattr(evaluate, "evaluate_translation", closeness_to_good)
    checkpoints = [tmp_path / "checkpoint-1.safetensors", tmp_path / "checkpoint-2.safetensors"]
    report = average_checkpoints(folder, checkpoints, records_dir=records, data=tiny_splits)
    averaged = report["recipe"]["averaged"]
    assert averaged["kept"] == "average" and averaged["checkpoints"] == [p.name for p in checkpoints]
    assert averaged["validation_bleu_beam"]["average"] > averaged["validation_bleu_beam"]["folder"]
    stored = load_file(str(folder / "model.safetensors"))
    assert torch.allclose(stored[name].float(), good[name], atol=1e-5)
    assert "mean of 2 checkpoints" in (folder / "README.md").read_text()

    # Averaging the corrupted weights in does not pass: the folder keeps its own.
    save_file({k: v + 5.0 for k, v in good.items()}, str(tmp_path / "checkpoint-3.safetensors"))
    save_file({k: v + 7.0 for k, v in good.items()}, str(tmp_path / "checkpoint-4.safetensors"))
    again = average_checkpoints(
        folder,
        [tmp_path / "checkpoint-3.safetensors", tmp_path / "checkpoint-4.safetensors"],
        records_dir=records,
        data=tiny_splits,
    )
    assert again["recipe"]["averaged"]["kept"] == "folder"
    assert torch.allclose(load_file(str(folder / "model.safetensors"))[name].float(), good[name], atol=1e-5)
    with pytest.raises(ValueError, match="at least two"):
        average_checkpoints(folder, checkpoints[:1], records_dir=records, data=tiny_splits)
