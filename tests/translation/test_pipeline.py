"""The rnnhub-translation pipeline and the attention view, on tiny random models (fast: no training)."""

import logging

import pytest
import torch
from transformers import pipeline

from builders import PAIRS, never_called, pair_tokenizer, tiny_translator
from rnnhub.models import RnnHubConfig, RnnHubForCausalLM
from rnnhub.translation.evaluate import evaluate_translation, translate
from rnnhub.translation.pipeline import TASK, register
from rnnhub.translation.text import bleu_tokenize_for, encode_sources
from rnnhub.translation.view import load_translator, translate_with_attention

TEXTS = ["Ich bin müde.", "Das Haus ist groß und alt.", "Guten Morgen!"]


def _tokenizer(max_length=12):
    return pair_tokenizer(max_length=max_length)


def _model(tokenizer, attention="luong", cell="gru"):
    return tiny_translator(
        tokenizer,
        cell=cell,
        attention=attention,
        embedding_size=8,
        hidden_size=6,
        decoder_hidden_size=10,  # unequal sizes: a swapped dimension fails
        attention_size=None,
        num_beams=3,
        max_new_tokens=7,
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny-translator")
    torch.manual_seed(0)
    tokenizer = _tokenizer()
    _model(tokenizer).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def translator(folder):
    register()
    return pipeline(TASK, model=str(folder))


def test_register_is_idempotent():
    from transformers.pipelines import PIPELINE_REGISTRY

    register()
    register()
    assert TASK in PIPELINE_REGISTRY.get_supported_tasks()


def test_string_and_list_inputs(translator):
    single = translator("Ich bin müde.")
    assert isinstance(single, list) and len(single) == 1 and set(single[0]) == {"translation_text"}
    many = translator(TEXTS)
    assert len(many) == len(TEXTS)
    assert all(isinstance(item["translation_text"], str) for item in many)
    assert many[0] == single[0]


def test_batching_does_not_change_translations(translator):
    one_by_one = translator(TEXTS, batch_size=1, num_beams=3)
    batched = translator(TEXTS, batch_size=3, num_beams=3)
    assert batched == one_by_one


def test_matches_generate_with_the_generation_config(translator, folder):
    model, tokenizer = load_translator(folder)
    ids = tokenizer("Das Haus ist groß.", return_tensors="pt")
    expected = tokenizer.decode(model.generate(**ids)[0], skip_special_tokens=True).strip()
    assert translator("Das Haus ist groß.")[0]["translation_text"] == expected
    assert model.generation_config.num_beams == 3


def test_num_beams_and_max_new_tokens(translator):
    model, tokenizer = translator.model, translator.tokenizer
    outputs = translator(TEXTS, num_beams=1, max_new_tokens=2)
    for text, item in zip(TEXTS, outputs):
        ids = tokenizer(text, return_tensors="pt", truncation=True)
        generated = model.generate(**ids, num_beams=1, max_new_tokens=2)
        assert generated.shape[1] <= 3  # the decoder start token + at most 2 new ones
        assert item["translation_text"] == tokenizer.decode(generated[0], skip_special_tokens=True).strip()


def test_empty_input_gives_empty_output_without_the_model(translator):
    assert translator("") == [{"translation_text": ""}]
    outputs = translator(["", "Ich bin müde.", "   "], batch_size=2)
    assert outputs[0] == outputs[2] == {"translation_text": ""}
    assert outputs[1] == translator("Ich bin müde.")[0]
    assert translator([]) == []


def test_long_input_is_truncated_with_a_warning(translator, caplog):
    long_text = " ".join(["Das Haus ist groß."] * 20)
    with caplog.at_level(logging.WARNING, logger="rnnhub.translation.text"):
        output = translator([long_text, "Guten Morgen!"])
    assert len(output) == 2
    warnings = [r for r in caplog.records if "truncated" in r.getMessage()]
    assert len(warnings) == 1 and "1 of 2" in warnings[0].getMessage()


def test_bad_parameters_raise_value_errors(translator):
    with pytest.raises(ValueError, match="num_beams must be a positive integer"):
        translator("Ich bin müde.", num_beams=0)
    with pytest.raises(ValueError, match="Unknown parameter"):
        translator("Ich bin müde.", temperature=0.5)
    with pytest.raises(ValueError, match="string or a list of strings"):
        translator(42)


def test_pipeline_refuses_a_model_that_does_not_translate(tmp_path):
    register()
    tokenizer = _tokenizer()
    RnnHubForCausalLM(
        RnnHubConfig(vocab_size=len(tokenizer), embedding_size=4, hidden_size=6)
    ).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    model = RnnHubForCausalLM.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match="needs an rnnhub translation model"):
        pipeline(TASK, model=model, tokenizer=tokenizer)


# ----------------------------------------------------------------------------------------------------------------
# The attention view


@pytest.mark.parametrize("attention", ["luong", "bahdanau"])
@pytest.mark.parametrize("num_beams", [1, 3])
def test_attention_rows_sum_to_one(attention, num_beams):
    tokenizer = _tokenizer()
    model = _model(tokenizer, attention=attention, cell="lstm")
    view = translate_with_attention(
        model, tokenizer, "Das Haus ist groß.", num_beams=num_beams, max_new_tokens=6
    )
    assert view["source_tokens"][-1] == "<eos>"
    assert len(view["source_tokens"]) == len(tokenizer("Das Haus ist groß.")["input_ids"])
    assert 1 <= len(view["target_tokens"]) <= 6
    assert len(view["attention"]) == len(view["target_tokens"])
    for row in view["attention"]:
        assert len(row) == len(view["source_tokens"])
        assert sum(row) == pytest.approx(1.0, abs=1e-5)
        assert min(row) >= 0.0
    assert view["truncated"] is False
    assert view["translation"] == tokenizer.decode(
        tokenizer.convert_tokens_to_ids(view["target_tokens"]), skip_special_tokens=True
    )


def test_view_translation_matches_generate():
    tokenizer = _tokenizer()
    model = _model(tokenizer, attention="bahdanau")
    ids = tokenizer("Guten Morgen!", return_tensors="pt")
    expected = tokenizer.decode(
        model.generate(**ids, num_beams=3, max_new_tokens=5)[0], skip_special_tokens=True
    )
    view = translate_with_attention(model, tokenizer, "Guten Morgen!", num_beams=3, max_new_tokens=5)
    assert view["translation"] == expected


def test_replayed_weights_are_the_ones_used_while_generating():
    """Teacher-forced replay == the weights of step-by-step decoding with the cache."""
    tokenizer = _tokenizer()
    model = _model(tokenizer, attention="bahdanau")
    view = translate_with_attention(model, tokenizer, "Ich bin müde.", max_new_tokens=5)
    ids = tokenizer("Ich bin müde.", return_tensors="pt")
    encoder_outputs = model.get_encoder()(ids["input_ids"], ids["attention_mask"])
    cache, token, rows = None, torch.tensor([[1]]), []
    for target in tokenizer.convert_tokens_to_ids(view["target_tokens"]):
        out = model(
            encoder_outputs=encoder_outputs,
            attention_mask=ids["attention_mask"],
            decoder_input_ids=token,
            cache=cache,
            output_attentions=True,
        )
        rows.append(out.cross_attentions[0][0, 0, 0].tolist())
        cache, token = out.cache, torch.tensor([[target]])
    assert torch.allclose(torch.tensor(rows), torch.tensor(view["attention"]), atol=1e-6)


def test_view_without_attention_and_empty_text():
    tokenizer = _tokenizer()
    model = _model(tokenizer, attention="none")
    view = translate_with_attention(model, tokenizer, "Ich bin müde.", max_new_tokens=4)
    assert view["attention"] == [] and view["target_tokens"]
    assert translate_with_attention(model, tokenizer, "  ") == {
        "translation": "",
        "source_tokens": [],
        "target_tokens": [],
        "attention": [],
        "truncated": False,
    }


def test_view_truncates_long_text_and_checks_arguments(caplog):
    tokenizer = _tokenizer(max_length=5)
    model = _model(tokenizer)
    with caplog.at_level(logging.WARNING, logger="rnnhub.translation.text"):
        view = translate_with_attention(
            model, tokenizer, "Das Haus ist groß. Ich bin müde.", max_new_tokens=3
        )
    assert view["truncated"] is True and len(view["source_tokens"]) == 5
    assert view["source_tokens"][-1] == "<eos>"
    assert any("truncated" in r.getMessage() for r in caplog.records)
    with pytest.raises(ValueError, match="num_beams"):
        translate_with_attention(model, tokenizer, "Hallo", num_beams=0)
    with pytest.raises(ValueError, match="must be a string"):
        translate_with_attention(model, tokenizer, ["Hallo"])


def test_load_translator_refuses_other_models(tmp_path):
    tokenizer = _tokenizer()
    RnnHubForCausalLM(
        RnnHubConfig(vocab_size=len(tokenizer), embedding_size=4, hidden_size=6)
    ).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="not an rnnhub translation"):
        load_translator(tmp_path)


# ----------------------------------------------------------------------------------------------------------------
# Batched translation, scoring and source encoding


def test_translate_keeps_order_and_matches_one_by_one():
    tokenizer = _tokenizer()
    model = _model(tokenizer)
    texts = ["Wir gehen nach Hause.", "", "Ich bin müde.", "Das Haus ist groß und alt."]
    batched = translate(model, tokenizer, texts, num_beams=2, batch_size=3, max_new_tokens=5)
    single = [translate(model, tokenizer, [t], num_beams=2, max_new_tokens=5)[0] for t in texts]
    assert batched == single and batched[1] == ""


def test_evaluate_translation_scores_and_checks_lengths():
    tokenizer = _tokenizer()
    model = _model(tokenizer)
    sources, references = [p[0] for p in PAIRS[:4]], [p[1] for p in PAIRS[:4]]
    scores = evaluate_translation(model, tokenizer, sources, references, max_new_tokens=5)
    assert 0.0 <= scores["bleu"] <= 100.0 and 0.0 <= scores["chrf"] <= 100.0
    assert scores["rows"] == 4 and len(scores["hypotheses"]) == 4 and scores["bleu_tokenize"] == "13a"
    with pytest.raises(ValueError, match="one per source"):
        evaluate_translation(model, tokenizer, sources, references[:2])


def test_encode_sources_keeps_eos_when_cutting():
    tokenizer = _tokenizer(max_length=4)
    ids, cut = encode_sources(tokenizer, ["Das Haus ist groß und alt.", "Hi"])
    assert cut == [True, False]
    assert len(ids[0]) == 4 and ids[0][-1] == tokenizer.eos_token_id
    assert ids[1] == tokenizer("Hi")["input_ids"]


def test_bleu_tokenizer_choice():
    assert bleu_tokenize_for(["从列表中选择字体。", "打开 CSV 文件"]) == "zh"
    assert bleu_tokenize_for(["The house is big."]) == "13a"
    assert bleu_tokenize_for(["", "123"]) == "13a"


# ----------------------------------------------------------------------------------------------------------------
# The speed benchmark's smoke run (timings are never asserted; only that the script works and writes its JSON)


def test_bench_translation_quick(tmp_path):
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root / "src"), os.environ.get("PYTHONPATH")])),
    }
    output = tmp_path / "translation.json"
    result = subprocess.run(
        [
            sys.executable,
            str(root / "bench" / "bench_translation.py"),
            "--quick",
            "--device",
            "cpu",
            "--output",
            str(output),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(output.read_text())
    assert data["benchmark"] == "translation_speed" and data["settings"]["quick"] is True
    assert {"pipeline beam", "helper beam", "pipeline greedy", "helper greedy"} == set(data["throughput"])
    assert all(entry["sentences_per_second"] > 0 for entry in data["throughput"].values())
    assert {"beam@4", "beam@16", "greedy@4", "greedy@16", "greedy_no_cache@4", "greedy_no_cache@16"} == set(
        data["seconds_per_token"]
    )
    assert {check["name"] for check in data["checks"]} == {
        "beam_per_token_ratio",
        "greedy_per_token_ratio",
        "pipeline_vs_helper_beam",
        "pipeline_vs_helper_greedy",
    }


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"num_beams": 1000}, "num_beams=1000 is above the limit of 16 beams"),
        ({"max_new_tokens": 10**6}, "max_new_tokens=1000000 is above this model's limit of 28 tokens"),
        ({"num_return_sequences": 2}, "num_return_sequences=2 is not supported"),
    ],
)
def test_an_oversize_request_is_refused_before_anything_runs(translator, monkeypatch, settings, message):
    monkeypatch.setattr(translator.model, "generate", never_called)
    monkeypatch.setattr(translator, "preprocess", never_called)
    with pytest.raises(ValueError, match=message):
        translator(TEXTS, **settings)


def test_the_owner_of_the_machine_raises_the_limits(folder):
    register()
    generous = pipeline(TASK, model=str(folder), max_num_beams=20, max_new_tokens_limit=40)
    assert len(generous(TEXTS[0], num_beams=20, max_new_tokens=40)) == 1
    with pytest.raises(ValueError, match="limit of 20 beams"):
        generous(TEXTS[0], num_beams=21)
    with pytest.raises(ValueError, match="max_num_beams must be a positive integer"):
        pipeline(TASK, model=str(folder), max_num_beams=0)


def test_a_folder_whose_generation_config_asks_too_much_is_refused(tmp_path):
    tokenizer = _tokenizer()
    model = _model(tokenizer)
    model.generation_config.num_beams = 500
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    register()
    with pytest.raises(ValueError, match="num_beams=500 is above the limit"):
        pipeline(TASK, model=str(tmp_path))


def test_the_view_refuses_an_oversize_request_before_generating(monkeypatch):
    tokenizer = _tokenizer()
    model = _model(tokenizer)
    monkeypatch.setattr(model, "generate", never_called)
    with pytest.raises(ValueError, match="num_beams=64 is above the limit"):
        translate_with_attention(model, tokenizer, "Hallo", num_beams=64)
    with pytest.raises(ValueError, match="max_new_tokens=5000 is above this model's limit"):
        translate_with_attention(model, tokenizer, "Hallo", max_new_tokens=5000)


def test_a_lone_surrogate_is_a_value_error_naming_its_position(translator):
    with pytest.raises(ValueError, match=r"Text 2 has a lone surrogate U\+DC00 at character 3"):
        translator(["Hallo", "Ich\udc00 bin"])
    tokenizer = _tokenizer()
    with pytest.raises(ValueError, match=r"Text 1 has a lone surrogate U\+D800 at character 0"):
        translate_with_attention(_model(tokenizer), tokenizer, "\ud800Hallo")
