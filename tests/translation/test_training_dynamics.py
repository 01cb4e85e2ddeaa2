"""Translation's training dynamics (#14): scaled attention, word dropout, the budget-fitted schedule, label
smoothing, attention statistics, multi-reference scoring and the pipeline's length-sorted batches."""

import math

import pytest
import torch
from transformers import pipeline

from builders import PAIRS, pair_tokenizer, tiny_translator
from rnnhub.engine.trainer import BudgetSchedule
from rnnhub.models import RnnHubForSeq2SeqLM, RnnHubSeq2SeqConfig
from rnnhub.models.attention import MultiplicativeAttention
from rnnhub.models.modeling_rnnhub import word_dropout
from rnnhub.translation.attention import attention_statistics, summarise_weights
from rnnhub.translation.evaluate import evaluate_translation
from rnnhub.translation.pipeline import TASK, register
from rnnhub.translation.recipe import references_of


@pytest.fixture
def translation_pair():
    """A tiny random Luong translator (scaled scores) and its tokenizer; unequal sizes so a swap fails."""
    torch.manual_seed(0)
    tokenizer = pair_tokenizer(max_length=16)
    model = tiny_translator(
        tokenizer,
        cell="gru",
        attention="luong",
        embedding_size=8,
        hidden_size=6,
        decoder_hidden_size=10,
        attention_size=None,
        num_beams=3,
        max_new_tokens=7,
        attention_scaled=True,
        word_dropout=0.1,
    )
    return model, tokenizer


@pytest.fixture
def translation_folder(tmp_path, translation_pair):
    model, tokenizer = translation_pair
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    return tmp_path


@pytest.fixture
def tiny_pairs():
    import datasets

    columns = {"source": [s for s, _ in PAIRS[:4]], "target": [t for _, t in PAIRS[:4]]}
    return datasets.DatasetDict(
        {"train": datasets.Dataset.from_dict(columns), "validation": datasets.Dataset.from_dict(columns)}
    )


# --------------------------------------------------------------------------- attention


def test_scaled_luong_scores_are_divided_by_the_square_root_of_the_query_size():
    torch.manual_seed(0)
    plain, scaled = MultiplicativeAttention(9, 5), MultiplicativeAttention(9, 5, scaled=True)
    scaled.load_state_dict(plain.state_dict())
    query, memory = torch.randn(2, 3, 9) * 4, torch.randn(2, 7, 5) * 4
    _, plain_weights = plain(query, memory)
    _, scaled_weights = scaled(query, memory)
    expected = torch.softmax(
        torch.log(plain_weights) / 3.0, dim=-1
    )  # log-softmax shifts cancel in the softmax
    torch.testing.assert_close(scaled_weights, expected, atol=1e-5, rtol=1e-4)
    # Scaling spreads the weights: higher entropy for the same scores.
    entropy = lambda w: -(w * w.clamp_min(1e-12).log()).sum(-1).mean()  # noqa: E731
    assert entropy(scaled_weights) > entropy(plain_weights)


def test_configs_saved_before_the_scale_existed_keep_unscaled_scores(tmp_path):
    config = RnnHubSeq2SeqConfig(vocab_size=20, hidden_size=4, embedding_size=3, attention_type="luong")
    as_saved = config.to_dict()
    del as_saved["attention_scaled"], as_saved["word_dropout"]
    old = RnnHubSeq2SeqConfig.from_dict(as_saved)
    assert old.attention_scaled is False and old.word_dropout == 0.0
    assert RnnHubForSeq2SeqLM(old).decoder.attention.scale == 1.0
    new = RnnHubSeq2SeqConfig(
        vocab_size=20, hidden_size=4, embedding_size=3, attention_type="luong", attention_scaled=True
    )
    assert RnnHubForSeq2SeqLM(new).decoder.attention.scale == pytest.approx(4**-0.5)


def _copy_batch(generator, batch=32, length=6, vocab=14):
    source = torch.randint(4, vocab, (batch, length), generator=generator)
    labels = torch.cat([source, torch.full((batch, 1), 2)], dim=1)  # copy, then <eos>
    return source, labels


def test_scaled_attention_learns_the_diagonal_of_a_copy_task():
    """On copying, the right alignment is the diagonal: target step t attends to source token t."""
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    config = RnnHubSeq2SeqConfig(
        vocab_size=14,
        cell_type="gru",
        embedding_size=16,
        hidden_size=24,
        decoder_hidden_size=32,
        attention_type="luong",
        attention_scaled=True,
    )
    model = RnnHubForSeq2SeqLM(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(250):
        source, labels = _copy_batch(generator)
        loss = model(input_ids=source, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    source, labels = _copy_batch(generator, batch=64)
    with torch.no_grad():
        weights = model(input_ids=source, labels=labels, output_attentions=True).cross_attentions[0][:, 0]
    peaks = weights[:, :-1].argmax(dim=-1)  # the <eos> step may look anywhere
    diagonal = torch.arange(source.shape[1]).expand_as(peaks)
    assert (peaks == diagonal).float().mean() > 0.9
    stats = summarise_weights([w[:, : source.shape[1]] for w in weights])
    assert stats["peak_on_first"] < 0.3 and stats["monotonic"] > 0.8


def test_attention_statistics_tell_a_collapsed_attention_from_an_aligned_one():
    collapsed = torch.zeros(5, 5)
    collapsed[:, 0] = 1.0
    aligned = torch.eye(5) * 0.8 + 0.04
    stats_collapsed = summarise_weights([collapsed])
    stats_aligned = summarise_weights([aligned])
    assert stats_collapsed["peak_on_first"] == 1.0 and stats_collapsed["peaked"] == 1.0
    assert stats_collapsed["entropy"] == pytest.approx(0.0, abs=1e-6)
    assert stats_aligned["peak_on_first"] == pytest.approx(0.2) and stats_aligned["peaked"] == 0.0
    assert stats_aligned["monotonic"] == 1.0
    assert stats_aligned["uniform_entropy"] == pytest.approx(math.log(5), abs=1e-4)  # rounded to 4 places
    with pytest.raises(ValueError, match="no attention weights"):
        summarise_weights([torch.zeros(0, 3)])


def test_attention_statistics_on_a_model(translation_pair):
    model, tokenizer = translation_pair
    stats = attention_statistics(
        model, tokenizer, ["Ich bin müde.", "Guten Morgen!"], ["I am tired.", "Good morning!"]
    )
    assert stats["target_steps"] == sum(
        len(tokenizer(text_target=t)["input_ids"]) for t in ["I am tired.", "Good morning!"]
    )
    assert 0.0 <= stats["entropy"] <= stats["uniform_entropy"] + 1e-6
    model.config.attention_type = "none"
    try:
        with pytest.raises(ValueError, match="no attention"):
            attention_statistics(model, tokenizer, ["a"], ["b"])
    finally:
        model.config.attention_type = "luong"


# --------------------------------------------------------------------------- regularisers and schedule


def test_word_dropout_replaces_only_ordinary_tokens_and_only_in_training():
    torch.manual_seed(0)
    ids = torch.tensor([[1, 5, 6, 7, 8, 9, 2, 0, 0]] * 200)
    dropped = word_dropout(ids, 0.3)
    special = ids <= 3
    assert torch.equal(dropped[special], ids[special])  # <pad> <bos> <eos> untouched
    changed = (dropped != ids) & ~special
    assert torch.all(dropped[changed] == 3)
    assert 0.25 < changed.sum() / (~special).sum() < 0.35
    assert torch.equal(word_dropout(ids, 0.0), ids)
    config = RnnHubSeq2SeqConfig(
        vocab_size=12, hidden_size=4, embedding_size=3, attention_type="luong", word_dropout=0.5
    )
    model = RnnHubForSeq2SeqLM(config).eval()
    source, labels = torch.randint(4, 12, (3, 5)), torch.randint(4, 12, (3, 4))
    with torch.no_grad():
        assert torch.equal(
            model(input_ids=source, labels=labels).logits, model(input_ids=source, labels=labels).logits
        )


def test_budget_schedule_anneals_to_zero_when_the_time_budget_runs_out():
    now = [0.0]
    schedule = BudgetSchedule(total_steps=1000, budget_seconds=100.0, warmup_steps=10, clock=lambda: now[0])
    assert schedule(0) == pytest.approx(0.1)  # warm-up
    assert schedule(9) == pytest.approx(1.0)
    now[0] = 50.0
    assert schedule(20) == pytest.approx(0.5)  # half the budget spent at 2% of the steps: time rules
    now[0] = 100.0
    assert schedule(30) == 0.0
    # Steps rule when they run out first.
    now[0] = 0.0
    fast = BudgetSchedule(total_steps=100, budget_seconds=1e6, clock=lambda: now[0])
    assert fast(50) == pytest.approx(0.5) and fast(100) == 0.0
    assert BudgetSchedule(total_steps=10, budget_seconds=None)(5) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="budget_seconds"):
        BudgetSchedule(total_steps=10, budget_seconds=0)


def test_train_seq2seq_with_label_smoothing_and_the_budget_schedule(tmp_path, translation_pair, tiny_pairs):
    from rnnhub.translation.train import train_seq2seq

    model, tokenizer = translation_pair
    result = train_seq2seq(
        model,
        tokenizer,
        tiny_pairs,
        output_dir=tmp_path / "out",
        epochs=2,
        batch_size=2,
        early_stopping_patience=None,
        metric_for_best_model="loss",
        label_smoothing=0.1,
        budget_schedule=True,
        warmup_ratio=0.1,
        max_train_minutes=5,
    )
    assert result.global_step == 4 and (tmp_path / "out" / "model.safetensors").is_file()
    assert [entry["epoch"] for entry in result.extra["history"]] == [1.0, 2.0]


# --------------------------------------------------------------------------- references and the pipeline


def test_evaluation_scores_against_every_reference(translation_pair, monkeypatch):
    import datasets

    import rnnhub.translation.evaluate as translation_eval

    model, tokenizer = translation_pair
    outputs = ["I am tired today.", "Good morning to you!"]
    monkeypatch.setattr(translation_eval, "translate", lambda *args, **kwargs: list(outputs))
    sources = ["Ich bin heute müde.", "Guten Morgen!"]
    single = evaluate_translation(model, tokenizer, sources, ["I am very tired.", "Hello there!"])
    several = evaluate_translation(
        model, tokenizer, sources, [["I am very tired.", outputs[0]], ["Hello there!", outputs[1]]]
    )
    assert several["bleu"] == pytest.approx(100.0) and several["chrf"] == pytest.approx(100.0)
    assert single["bleu"] < 50 and several["bleu_tokenize"] == "13a"
    with_refs = datasets.Dataset.from_dict({"source": ["a"], "target": ["b"], "references": [["b", "c"]]})
    without = datasets.Dataset.from_dict({"source": ["a"], "target": ["b"]})
    assert references_of(with_refs) == [["b", "c"]] and references_of(without) == ["b"]


def test_pipeline_batches_by_length_and_returns_the_input_order(translation_folder, monkeypatch):
    register()
    translator = pipeline(TASK, model=str(translation_folder))
    texts = [
        "Guten Morgen!",
        "Das Haus ist groß und alt und schön.",
        "Ich bin müde.",
        "Wir gehen nach Hause, ja.",
        "Hallo.",
    ]
    one_by_one = [translator(text, num_beams=3)[0] for text in texts]
    widths = []
    generate = translator.model.generate

    def recording(*args, **kwargs):
        widths.append(kwargs["input_ids"].shape[1])
        return generate(*args, **kwargs)

    monkeypatch.setattr(translator.model, "generate", recording)
    batched = translator(texts, num_beams=3, batch_size=2)
    assert batched == one_by_one
    assert widths == sorted(widths)  # shortest sources first: batches of similar length
