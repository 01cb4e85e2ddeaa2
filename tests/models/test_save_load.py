"""Saving and loading: stock Auto classes, remote code without rnnhub, safetensors only, clear errors on damage."""

import json
import textwrap
from pathlib import Path

import pytest
import torch
from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForImageTextToText,
    AutoModelForSeq2SeqLM,
    AutoModelForSequenceClassification,
)

from builders import run_without_rnnhub
from rnnhub import (
    RnnHubCaptioningConfig,
    RnnHubConfig,
    RnnHubForCausalLM,
    RnnHubForImageCaptioning,
    RnnHubForSeq2SeqLM,
    RnnHubForSequenceClassification,
    RnnHubModel,
    RnnHubSeq2SeqConfig,
)
from rnnhub.publish.hub import HIDE_RNNHUB

VOCAB = 19
MODELS = {
    "base": (lambda: RnnHubModel(RnnHubConfig(vocab_size=VOCAB, embedding_size=4, hidden_size=6)), AutoModel),
    "classification": (
        lambda: RnnHubForSequenceClassification(
            RnnHubConfig(
                vocab_size=VOCAB,
                cell_type="gru",
                embedding_size=4,
                hidden_size=6,
                bidirectional=True,
                num_labels=3,
            )
        ),
        AutoModelForSequenceClassification,
    ),
    "causal-lm": (
        lambda: RnnHubForCausalLM(
            RnnHubConfig(vocab_size=VOCAB, cell_type="rnn", embedding_size=4, hidden_size=6)
        ),
        AutoModelForCausalLM,
    ),
    "seq2seq": (
        lambda: RnnHubForSeq2SeqLM(RnnHubSeq2SeqConfig(vocab_size=VOCAB, embedding_size=4, hidden_size=6)),
        AutoModelForSeq2SeqLM,
    ),
    "captioning": (
        lambda: RnnHubForImageCaptioning(
            RnnHubCaptioningConfig(
                vocab_size=VOCAB, embedding_size=4, hidden_size=6, image_size=8, encoder_channels=[3]
            )
        ),
        AutoModelForImageTextToText,
    ),
}


def example_inputs(name):
    ids = torch.randint(4, VOCAB, (2, 5))
    if name == "captioning":
        return {"pixel_values": torch.randn(2, 3, 8, 8), "decoder_input_ids": ids}
    if name == "seq2seq":
        return {"input_ids": ids, "decoder_input_ids": ids[:, :3]}
    return {"input_ids": ids}


def first_output(model, inputs):
    out = model(**inputs)
    return out.logits if "logits" in out else out.last_hidden_state


@pytest.mark.parametrize("name", list(MODELS))
def test_round_trip_through_stock_auto_classes(name, tmp_path):
    make, auto_class = MODELS[name]
    model = make().eval()
    model.save_pretrained(tmp_path)
    files = {p.name for p in tmp_path.iterdir()}
    assert "model.safetensors" in files and not any(f.endswith(".bin") for f in files)
    assert {"modeling_rnnhub.py", "configuration_rnnhub.py", "recurrent.py"} <= files, (
        "remote code travels along"
    )
    auto_map = json.loads((tmp_path / "config.json").read_text())["auto_map"]
    assert auto_map["AutoConfig"] == f"configuration_rnnhub.{type(model.config).__name__}"
    assert auto_map[auto_class.__name__] == f"modeling_rnnhub.{type(model).__name__}"

    loaded = auto_class.from_pretrained(tmp_path).eval()
    assert type(loaded) is type(model)
    inputs = example_inputs(name)
    assert torch.equal(first_output(loaded, inputs), first_output(model, inputs))


def test_load_in_another_dtype(tmp_path):
    make, _ = MODELS["classification"]
    make().save_pretrained(tmp_path)
    model = AutoModelForSequenceClassification.from_pretrained(tmp_path, dtype=torch.float64)
    assert model.classifier.weight.dtype == torch.float64
    assert model(torch.tensor([[4, 5, 6]])).logits.dtype == torch.float64


REMOTE_CODE_SCRIPT = textwrap.dedent(
    """
    import importlib.util, json, sys
    assert importlib.util.find_spec("rnnhub") is None, "rnnhub must not be importable in this test"
    assert "rnnhub" not in sys.modules
    import torch
    from transformers import {auto_class}
    model = {auto_class}.from_pretrained(sys.argv[1], trust_remote_code=True).eval()
    inputs = {{k: torch.tensor(v) for k, v in json.loads(sys.argv[2]).items()}}
    out = model(**inputs)
    assert not [m for m in sys.modules if m.startswith("rnnhub")], "rnnhub leaked in"
    print(json.dumps({{"class": type(model).__name__, "module": type(model).__module__, "logits": out.logits.tolist()}}))
    """
)


@pytest.mark.parametrize("name", ["classification", "seq2seq"])
def test_trust_remote_code_load_without_rnnhub(name, tmp_path):
    make, auto_class = MODELS[name]
    model = make().eval()
    folder = tmp_path / "model"
    model.save_pretrained(folder)
    inputs = example_inputs(name)
    # A fresh interpreter in which rnnhub cannot be imported, however it is installed (editable or not):
    # the same import hiding that `rnnhub publish` uses for its clean-subprocess check.
    script = HIDE_RNNHUB + REMOTE_CODE_SCRIPT.format(auto_class=auto_class.__name__)
    result = run_without_rnnhub(
        script, [str(folder), json.dumps({k: v.tolist() for k, v in inputs.items()})], tmp_path
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["class"] == type(model).__name__
    assert report["module"].startswith("transformers_modules"), "the class came from the folder's own code"
    assert torch.allclose(torch.tensor(report["logits"]), model(**inputs).logits, atol=1e-6)


def test_pickle_only_checkpoint_is_refused(tmp_path):
    make, _ = MODELS["classification"]
    model = make()
    model.config.save_pretrained(tmp_path)
    torch.save(model.state_dict(), tmp_path / "pytorch_model.bin")
    with pytest.raises(ValueError, match="only pickle checkpoints.*safetensors"):
        AutoModelForSequenceClassification.from_pretrained(tmp_path)


def test_folder_without_weights_is_explained(tmp_path):
    RnnHubConfig(vocab_size=VOCAB).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="no model.safetensors"):
        RnnHubForSequenceClassification.from_pretrained(tmp_path)


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupt_weights_give_a_clear_error(damage, tmp_path):
    make, _ = MODELS["classification"]
    make().save_pretrained(tmp_path)
    weights = tmp_path / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2] if damage == "truncate" else b"\x00\x01not safetensors" * 10)
    with pytest.raises(ValueError, match="truncated or corrupt"):
        AutoModelForSequenceClassification.from_pretrained(tmp_path)


def _damage(folder, change) -> None:
    """Rewrite the folder's model.safetensors with ``change(state)`` applied."""
    from safetensors.torch import load_file, save_file

    state = load_file(folder / "model.safetensors")
    change(state)
    save_file(state, folder / "model.safetensors", metadata={"format": "pt"})


DAMAGES = {
    "missing": (
        lambda state: state.pop("classifier.weight"),
        r"lacks 1 weight\(s\).*classifier\.weight.*at random",
    ),
    "unexpected": (
        lambda state: state.update({"classifier.extra": torch.zeros(2)}),
        r"holds 1 weight\(s\) that RnnHubForSequenceClassification does not have \(classifier\.extra\)",
    ),
    "nan": (
        lambda state: state["classifier.bias"].fill_(float("nan")),
        r"NaN or infinite values in 1 weight\(s\) \(classifier\.bias\)",
    ),
    "inf": (
        lambda state: state["rnnhub.embeddings.weight"].__setitem__((0, 0), float("inf")),
        r"NaN or infinite values in 1 weight\(s\) \(rnnhub\.embeddings\.weight\)",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_weights_are_refused_unless_the_user_opts_out(damage, tmp_path):
    make, _ = MODELS["classification"]
    make().save_pretrained(tmp_path)
    change, message = DAMAGES[damage]
    _damage(tmp_path, change)
    for load in (
        RnnHubForSequenceClassification.from_pretrained,
        AutoModelForSequenceClassification.from_pretrained,
    ):
        with pytest.raises(ValueError, match=message + r".*check_weights=False"):
            load(tmp_path)
    model, info = AutoModelForSequenceClassification.from_pretrained(
        tmp_path, check_weights=False, output_loading_info=True
    )
    assert isinstance(model, RnnHubForSequenceClassification) and set(info) >= {
        "missing_keys",
        "unexpected_keys",
    }


def test_a_damaged_folder_is_refused_by_the_text_classification_pipeline(tmp_path):
    from transformers import pipeline

    from builders import make_classifier

    folder = make_classifier(tmp_path / "classifier")
    assert pipeline("text-classification", model=str(folder))("a great film")[0]["label"]
    _damage(folder, DAMAGES["nan"][0])
    with pytest.raises(ValueError, match="NaN or infinite"):
        pipeline("text-classification", model=str(folder))


def test_loading_another_class_from_a_folder_is_the_usual_partial_load(tmp_path):
    """A base model from a classifier folder (head keys unused), a classifier from a language model (new head)."""
    make, _ = MODELS["classification"]
    make().save_pretrained(tmp_path / "classifier")
    base, info = AutoModel.from_pretrained(tmp_path / "classifier", output_loading_info=True)
    assert isinstance(base, RnnHubModel) and info["unexpected_keys"]
    MODELS["causal-lm"][0]().save_pretrained(tmp_path / "lm")
    classifier, info = RnnHubForSequenceClassification.from_pretrained(
        tmp_path / "lm", output_loading_info=True
    )
    assert isinstance(classifier, RnnHubForSequenceClassification) and info["missing_keys"]


def test_a_damaged_folder_is_refused_through_its_own_remote_code(tmp_path):
    make, _ = MODELS["classification"]
    make().save_pretrained(tmp_path / "model")
    _damage(tmp_path / "model", DAMAGES["missing"][0])
    script = HIDE_RNNHUB + textwrap.dedent(
        """
        import sys
        from transformers import AutoModelForSequenceClassification
        try:
            AutoModelForSequenceClassification.from_pretrained(sys.argv[1], trust_remote_code=True)
        except ValueError as error:
            print("REFUSED", error)
        """
    )
    result = run_without_rnnhub(script, [str(tmp_path / "model")], tmp_path)
    assert "REFUSED" in result.stdout and "classifier.weight" in result.stdout


def test_auto_config_picks_the_right_class_for_each_model_type(tmp_path):
    for name, (make, _) in MODELS.items():
        folder = tmp_path / name
        make().save_pretrained(folder)
        assert type(AutoConfig.from_pretrained(folder)) is type(make().config)


def test_stock_text_classification_pipeline_on_a_saved_folder(tmp_path):
    from transformers import pipeline

    from rnnhub.tokenization import train_tokenizer

    tokenizer = train_tokenizer(["a great movie", "a terrible film"] * 3, kind="word")
    labels = {0: "negative", 1: "positive"}
    config = RnnHubConfig(
        vocab_size=len(tokenizer),
        embedding_size=4,
        hidden_size=6,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    model = RnnHubForSequenceClassification(config).eval()
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)

    classify = pipeline("text-classification", model=str(tmp_path))
    results = classify(["a great movie", "a terrible film"], top_k=None)
    assert [sorted(r["label"] for r in result) for result in results] == [["negative", "positive"]] * 2
    encoded = tokenizer(["a great movie"], return_tensors="pt")
    expected = model(**encoded).logits.softmax(-1)[0]
    by_label = {r["label"]: r["score"] for r in results[0]}
    assert abs(by_label["positive"] - expected[1].item()) < 1e-5


PUBLISHED = Path(__file__).resolve().parents[2] / "model_cards"
CLASSIFIERS = sorted(
    folder.name
    for folder in PUBLISHED.iterdir()
    if (folder / "config.json").is_file()
    and json.loads((folder / "config.json").read_text())["architectures"]
    == ["RnnHubForSequenceClassification"]
)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_published_classifiers_give_the_same_logits_with_the_package_code_and_their_own(name, tmp_path):
    # Backward compatibility: a folder's own code files are the ones it was trained with, until re-copied;
    # the package's code (new pooling and bigram options) must load its config and weights to the same outputs.
    folder = PUBLISHED / name
    inputs = {
        "input_ids": torch.tensor([[1, 5, 9, 7, 2], [1, 6, 4, 2, 0]]),
        "attention_mask": torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]),
    }
    package = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    script = HIDE_RNNHUB + REMOTE_CODE_SCRIPT.format(auto_class="AutoModelForSequenceClassification")
    result = run_without_rnnhub(
        script, [str(folder), json.dumps({k: v.tolist() for k, v in inputs.items()})], tmp_path
    )
    own = torch.tensor(json.loads(result.stdout.strip().splitlines()[-1])["logits"])
    with torch.no_grad():
        torch.testing.assert_close(package(**inputs).logits, own.to(torch.float32), rtol=0, atol=1e-6)
