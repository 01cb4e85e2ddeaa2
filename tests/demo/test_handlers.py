"""The demo's handler functions on good and bad input, without Gradio (rnnhub.demo.*)."""

import threading
import time
import zlib
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from PIL import Image

from builders import save_tiny_captioner, save_tiny_translator
from rnnhub.demo import captioning, catalog, charts, lab, models_tab, sentiment, translation
from rnnhub.demo.cache import ModelCache
from rnnhub.demo.text_input import (
    MAX_CHARS,
    check_beams,
    check_known_tokens,
    check_language,
    check_text,
    letter_counts,
)

HUGE_TEXT = ("a wonderful film " * 6000)[:100_000]  # 100,000 characters, no trailing blank
EXAMPLE = captioning.example_images()[0]


# ---------------------------------------------------------------------------------------------------------------
# Input checks


@pytest.mark.parametrize("text", [None, "", "   \n\t "])
def test_check_text_refuses_empty(text):
    with pytest.raises(ValueError, match="empty"):
        check_text(text)


def test_check_text_refuses_a_lone_surrogate():
    with pytest.raises(ValueError, match=r"lone surrogate U\+D83D at character 6"):
        check_text("great \ud83d")


def test_check_text_refuses_huge_and_non_strings():
    with pytest.raises(ValueError, match="100,000 characters.*at most 2,000"):
        check_text(HUGE_TEXT)
    with pytest.raises(ValueError, match="must be a string, got int"):
        check_text(42)
    assert check_text("  ok  ") == "ok"
    assert check_text("x" * MAX_CHARS) == "x" * MAX_CHARS


def test_letter_counts_and_language_checks():
    assert letter_counts("iPhone 质量很好!") == (4, 6, 0)
    check_language("iPhone 质量很好", "zh")  # mixed, but Chinese is there
    check_language("Das Haus ist klein", "de")
    check_language("1234 :-)", "en")  # no letters: the model decides
    with pytest.raises(ValueError, match="reads Chinese.*no Chinese characters"):
        check_language("a good film", "zh")
    with pytest.raises(ValueError, match="reads English.*mostly Chinese characters.*Chinese model"):
        check_language("这部电影很好看 ok", "en")
    with pytest.raises(ValueError, match="reads German.*non-Latin script"):
        check_language("Привет, как дела", "de")
    with pytest.raises(ValueError, match="not supported"):
        check_language("hello", "fr")


def test_check_known_tokens():
    check_known_tokens(["a", "<unk>", "film"], "<unk>", "en")
    with pytest.raises(ValueError, match="2 of the text's 3 tokens are unknown to this English model"):
        check_known_tokens(["<unk>", "<unk>", "film"], "<unk>", "en")


@pytest.mark.parametrize("bad", [0, 9, 2.5, "four", None, True, float("inf")])
def test_check_beams_refuses(bad):
    with pytest.raises(ValueError, match="beam size must be a whole number from 1 to 8"):
        check_beams(bad)


def test_check_beams_accepts_slider_floats():
    assert check_beams(4.0) == 4 and check_beams(1) == 1


def test_the_demo_beam_limit_is_within_the_package_limit():
    from rnnhub.demo.text_input import MAX_BEAMS
    from rnnhub.engine.checks import DEFAULT_MAX_NUM_BEAMS

    assert MAX_BEAMS <= DEFAULT_MAX_NUM_BEAMS


# ---------------------------------------------------------------------------------------------------------------
# The model cache


def test_cache_loads_each_key_once_under_concurrency():
    cache, calls = ModelCache(), []

    def loader():
        calls.append(1)
        time.sleep(0.05)
        return object()

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", loader))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and len(results) == 8 and len({id(r) for r in results}) == 1
    assert cache.loaded("k") and len(cache) == 1


def test_cache_retries_after_a_failed_load():
    cache = ModelCache()

    def broken():
        raise OSError("disk on fire")

    with pytest.raises(OSError):
        cache.get("k", broken)
    assert not cache.loaded("k")
    assert cache.get("k", lambda: 5) == 5


# ---------------------------------------------------------------------------------------------------------------
# The catalog of published models


def test_catalog_finds_the_published_sentiment_models():
    english = catalog.sentiment_models("English")
    assert {cell: entry.name for cell, entry in english.items()} == {
        "lstm": "lstm-sentiment-rt-en",  # beats its fine-tuned "-lm" sibling on test accuracy
        "gru": "gru-sentiment-rt-en",
        "rnn": "rnn-sentiment-rt-en",
    }
    assert catalog.sentiment_models("Chinese")["lstm"].name == "lstm-sentiment-zh"
    with pytest.raises(ValueError, match="language='Klingon' is not supported"):
        catalog.sentiment_models("Klingon")
    with pytest.raises(ValueError, match="direction='a → b' is not supported"):
        catalog.translation_models("a → b")


def test_catalog_ranks_by_metric_then_name():
    low = catalog.Entry("b-long-name", "/b", "lstm", "accuracy 0.7", 0.7)
    high = catalog.Entry("a-longer-name", "/a", "lstm", "accuracy 0.8", 0.8)
    none = catalog.Entry("c", "/c", "lstm", "-", float("-inf"))
    assert catalog.pick([low, none, high]) is high
    assert catalog.pick([]) is None


def test_catalog_finds_a_captioner_in_the_models_dir(tmp_path, monkeypatch):
    save_tiny_captioner(tmp_path / "tiny-captioning-emoji")
    monkeypatch.setenv("RNNHUB_MODELS_DIR", str(tmp_path))
    assert [e.name for e in catalog.captioning_models()][-1] == "tiny-captioning-emoji"


# ---------------------------------------------------------------------------------------------------------------
# Sentiment


@pytest.mark.parametrize(
    ("text", "language", "cell", "label"),
    [
        ("A wonderful, moving film with brilliant performances.", "English", "lstm", "positive"),
        ("A dull, boring and badly acted mess.", "English", "gru", "negative"),
        ("A wonderful, moving film with brilliant performances.", "English", "rnn", "positive"),
        ("质量非常好，很满意，值得购买！", "Chinese", "lstm", "positive"),
        ("太差了，质量很差，非常失望，不推荐。", "Chinese", "lstm", "negative"),
    ],
)
def test_classify_good_input(text, language, cell, label):
    result = sentiment.classify(text, language, cell)
    assert result["label"] == label and result["cell_type"] == cell
    assert result["confidence"] == max(result["probabilities"].values()) > 0.5
    trace = result["trace"]
    assert len(trace["probabilities"]) == len(trace["tokens"]) == trace["num_tokens"]
    assert bool(trace["gates"]) == (cell != "rnn")


@pytest.mark.parametrize(
    ("text", "language", "cell", "message"),
    [
        ("", "English", "lstm", "empty"),
        (HUGE_TEXT, "English", "lstm", "100,000 characters"),
        ("这部电影非常好看", "English", "lstm", "mostly Chinese characters"),
        ("a wonderful film", "Chinese", "lstm", "no Chinese characters"),
        ("zxqv blorf qwpk", "English", "lstm", "3 of the text's 3 tokens are unknown"),
        ("质量很好", "Chinese", "gru", "No Chinese gru sentiment model is published.*lstm"),
        ("good", "Elvish", "lstm", "language='Elvish' is not supported"),
        ("good", "English", "transformer", "cell='transformer' is not supported"),
    ],
)
def test_classify_bad_input(text, language, cell, message):
    with pytest.raises(ValueError, match=message):
        sentiment.classify(text, language, cell)


def test_classify_notes_unknown_words():
    result = sentiment.classify("a wonderful zxqvblorf film", "English", "lstm")
    assert any("1 of 4 tokens are unknown" in note for note in result["notes"])


def test_compare_cells_reads_the_same_text_with_each_cell():
    progress = []
    results = sentiment.compare_cells(
        "a wonderful film", "English", progress=lambda f, desc: progress.append(desc)
    )
    assert set(results) == {"rnn", "gru", "lstm"}
    assert len({tuple(r["trace"]["tokens"]) for r in results.values()}) == 1
    assert len(progress) >= 3
    with pytest.raises(ValueError, match="empty"):
        sentiment.compare_cells(" ")


# ---------------------------------------------------------------------------------------------------------------
# Translation (a tiny random model: the handler's plumbing, not translation quality)


@pytest.fixture(scope="module")
def tiny_translator(tmp_path_factory):
    return str(save_tiny_translator(tmp_path_factory.mktemp("models") / "tiny-translation-de-en"))


@pytest.mark.parametrize(
    ("text", "direction", "beams"),
    [("das haus ist klein", "German → English", 1), ("the house is small", "English → Chinese", 4.0)],
)
def test_translate_good_input(tiny_translator, text, direction, beams):
    result = translation.translate(text, direction, beams, model=tiny_translator)
    assert result["model"] == "tiny-translation-de-en" and result["num_beams"] == int(beams)
    assert isinstance(result["translation"], str) and result["truncated"] is False
    assert result["source_tokens"][:4] == text.split()
    assert len(result["attention"]) == len(result["target_tokens"])
    for row in result["attention"]:
        assert len(row) == len(result["source_tokens"]) and abs(sum(row) - 1) < 1e-4


@pytest.mark.parametrize(
    ("text", "direction", "beams", "message"),
    [
        ("", "German → English", 1, "empty"),
        (HUGE_TEXT, "German → English", 1, "100,000 characters"),
        ("我没有时间", "German → English", 1, "reads German.*mostly Chinese"),
        ("请点击按钮", "English → Chinese", 1, "reads English.*mostly Chinese"),
        ("das haus", "German → English", 0, "beam size"),
        ("das haus", "German → English", 99, "beam size"),
        ("das haus", "French → Klingon", 1, "not supported"),
        ("zzxq qqvw", "German → English", 1, "2 of the text's 2 tokens are unknown to this German model"),
    ],
)
def test_translate_bad_input(tiny_translator, text, direction, beams, message):
    with pytest.raises(ValueError, match=message):
        translation.translate(text, direction, beams, model=tiny_translator)


def test_words_of_pieces_merges_bpe_pieces_into_words():
    from rnnhub.translation.view import words_of_pieces

    pieces = ["▁B", "ahn", "hof", "▁ist", "▁", ".", "<eos>"]
    assert words_of_pieces(pieces, ["<eos>"]) == [
        ("Bahnhof", [0, 1, 2]),
        ("ist", [3]),
        (".", [4, 5]),  # a lone word-start mark belongs to what it starts
        ("<eos>", [6]),
    ]
    # Chinese has no word marks: every character stands alone; so does punctuation inside a word.
    assert words_of_pieces(["▁选择", "数", "据", "。"]) == [
        ("选择", [0]),
        ("数", [1]),
        ("据", [2]),
        ("。", [3]),
    ]
    assert words_of_pieces(["▁Don", "’", "t", "▁go", "!"]) == [("Don’t", [0, 1, 2]), ("go", [3]), ("!", [4])]
    assert words_of_pieces(["das", "haus", "<eos>"]) == [("das", [0]), ("haus", [1]), ("<eos>", [2])]
    assert words_of_pieces([]) == []


def test_word_attention_sums_source_pieces_and_averages_target_pieces():
    from rnnhub.translation.view import word_attention

    source, target = ["▁B", "ahn", "."], ["▁The", "▁tr", "ain"]
    attention = [[0.5, 0.3, 0.2], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]]
    words = word_attention(source, target, attention)
    assert words["source_words"] == ["Bahn", "."] and words["target_words"] == ["The", "train"]
    assert words["attention"][0] == pytest.approx([0.8, 0.2])
    assert words["attention"][1] == pytest.approx([(0.2 + 0.6) / 2, (0.8 + 0.4) / 2])
    assert all(sum(row) == pytest.approx(1.0) for row in words["attention"])
    assert word_attention(source, target, [])["attention"] == []  # a model without attention
    with pytest.raises(ValueError, match="one row per target token"):
        word_attention(source, target, attention[:2])


def test_the_attention_heatmap_shows_words_or_pieces():
    from rnnhub.demo.app import attention_figure

    # The published de-en model's BPE pieces: "▁absch" "re" "cken" is one word.
    result = translation.translate("Lass dich davon nicht abschrecken.", "German → English", 1)
    assert "<eos>" in result["special_tokens"] and "re" in result["source_tokens"]
    words, pieces = attention_figure(result), attention_figure(result, pieces=True)
    word_axes, piece_axes = words.axes[0], pieces.axes[0]
    assert [tick.get_text() for tick in piece_axes.get_xticklabels()] == result["source_tokens"]
    word_ticks = [tick.get_text() for tick in word_axes.get_xticklabels()]
    assert word_ticks == ["Lass", "dich", "davon", "nicht", "abschrecken", ".", "<eos>"]
    assert len(word_axes.get_yticklabels()) <= len(result["target_tokens"])
    assert word_axes.get_xlabel() == "source word (sum over its pieces)"
    assert word_axes.get_ylabel() == "generated word (mean over its pieces)"
    assert piece_axes.get_xlabel() == "source token"
    assert attention_figure(None) is None


def test_translate_without_a_published_model_says_so(monkeypatch):
    monkeypatch.setattr(catalog, "list_models", lambda: [])
    for direction in translation.SOURCE_LANGUAGE:
        with pytest.raises(ValueError, match=f"No {direction} translation model is published yet"):
            translation.translate("das haus" if direction.startswith("German") else "the house", direction, 1)


# ---------------------------------------------------------------------------------------------------------------
# Captioning (a tiny random captioner: the handler's plumbing, not caption quality)


@pytest.fixture(scope="module")
def tiny_captioner(tmp_path_factory):
    return str(save_tiny_captioner(tmp_path_factory.mktemp("models") / "tiny-captioning-emoji"))


def test_caption_good_input(tiny_captioner):
    cache = ModelCache()
    for image in (EXAMPLE, Path(EXAMPLE).read_bytes(), Image.open(EXAMPLE)):
        result = captioning.caption(image, 2, model=tiny_captioner, cache=cache)
        assert result["model"] == "tiny-captioning-emoji" and result["num_beams"] == 2
        assert result["grid_size"] == [4, 4]
        assert len(result["attention"]) == len(result["words"]) >= 1
        for grid in result["attention"]:
            assert abs(sum(map(sum, grid)) - 1) < 1e-4
        assert result["image"].size == (16, 16)
    assert len(cache) == 1  # loaded once


def _png_claiming(width: int, height: int, path: Path) -> Path:
    """A small PNG whose header claims width x height pixels (a decompression bomb's shape)."""
    Image.new("RGB", (4, 4), "white").save(path)
    data = bytearray(path.read_bytes())
    data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")  # IHDR width, height
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")  # IHDR checksum
    path.write_bytes(bytes(data))
    return path


def test_caption_bad_input(tiny_captioner, tmp_path):
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a picture")
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(Path(EXAMPLE).read_bytes()[:300])
    too_big = tmp_path / "big.png"
    too_big.write_bytes(b"\0" * (captioning.MAX_UPLOAD_BYTES + 1))
    bomb = _png_claiming(50_000, 50_000, tmp_path / "bomb.png")
    huge = _png_claiming(8_000, 8_000, tmp_path / "huge.png")
    cases = [
        (None, "No image given"),
        ("", "No image given"),
        (str(tmp_path / "missing.png"), "No image file at"),
        (str(text_file), "not an image PIL can read"),
        (str(truncated), "truncated or corrupt"),
        (str(too_big), "accepts images up to 20 MB"),
        (str(bomb), "too large to decode safely"),
        (str(huge), "64,000,000 pixels, more than the limit"),
    ]
    for image, message in cases:
        with pytest.raises(ValueError, match=message):
            captioning.caption(image, 1, model=tiny_captioner)
    with pytest.raises(ValueError, match="beam size"):
        captioning.caption(EXAMPLE, 0, model=tiny_captioner)


def test_caption_without_a_published_model_says_so(monkeypatch):
    monkeypatch.setattr(catalog, "list_models", lambda: [])
    with pytest.raises(ValueError, match="No image-captioning model is published yet"):
        captioning.caption(EXAMPLE)


def test_example_images_are_readable():
    assert len(captioning.example_images()) >= 4
    for path in captioning.example_images():
        assert Image.open(path).size == (64, 64)


# ---------------------------------------------------------------------------------------------------------------
# Why LSTM


def test_gradient_flow_view_shows_vanishing_and_exploding():
    result = lab.gradient_flow_view(["rnn", "lstm"], ["0.9", "1.1"], 60)
    rows = {row["run"]: row for row in result["rows"]}
    assert set(rows) == {"rnn", "lstm", "rnn, radius 0.9", "rnn, radius 1.1"}
    assert rows["rnn, radius 0.9"]["first_over_last"] < 1 < rows["rnn, radius 1.1"]["first_over_last"]
    assert rows["rnn"]["first_over_last"] < rows["lstm"]["first_over_last"]
    assert isinstance(result["cells_figure"], Figure) and isinstance(result["radius_figure"], Figure)
    only_cells = lab.gradient_flow_view(["gru"], [], 20)
    assert only_cells["radius_figure"] is None and len(only_cells["rows"]) == 1


@pytest.mark.parametrize(
    ("cells", "radii", "steps", "message"),
    [
        (["transformer"], [], 50, "Unknown cell"),
        ([], ["2.0"], 50, "Unknown spectral radius"),
        ([], ["big"], 50, "must be numbers"),
        (["rnn"], [], 5, "steps must be a whole number from 10 to 300"),
        (["rnn"], [], 10_000, "steps must be"),
        ([], [], 50, "Choose at least one"),
        (None, None, 50, "Choose at least one"),
    ],
)
def test_gradient_flow_view_bad_input(cells, radii, steps, message):
    with pytest.raises(ValueError, match=message):
        lab.gradient_flow_view(cells, radii, steps)


def test_memory_table_reads_the_committed_results(tmp_path):
    result = lab.memory_table()
    variants = {row["variant"] for row in result["summary"]}
    assert {"rnn", "gru", "lstm"} <= variants
    assert "| model |" in result["markdown"] and isinstance(result["figure"], Figure)
    with pytest.raises(ValueError, match="precomputed memory-lab results are not here"):
        lab.memory_table(tmp_path)


def test_memory_live_quick_run():
    progress = []
    result = lab.memory_live(5, ["lstm"], progress=lambda f, desc: progress.append(desc))
    (row,) = result["rows"]
    assert row["variant"] == "lstm" and row["distractors"] == 5 and 0 <= row["accuracy"] <= 1
    assert result["settings"]["steps"] == 150 and progress == ["training lstm on N=5"]
    bars = result["bars"].set_index("variant")
    assert list(bars.index) == ["lstm", "chance"] and bars.loc["lstm", "accuracy"] == row["accuracy"]
    assert bars.loc["chance", "accuracy"] == row["chance"] and list(bars["kind"]) == ["trained", "chance"]


@pytest.mark.parametrize(
    ("distractors", "variants", "message"),
    [
        (0, ["rnn"], "N \\(distractor tokens\\) must be a whole number from 1 to 60"),
        (61, ["rnn"], "from 1 to 60"),
        (2.5, ["rnn"], "from 1 to 60"),
        ("many", ["rnn"], "from 1 to 60"),
        (10, ["mamba"], "Unknown variant"),
        (10, [], "Choose at least one cell"),
    ],
)
def test_memory_live_bad_input(distractors, variants, message):
    with pytest.raises(ValueError, match=message):
        lab.memory_live(distractors, variants)


# ---------------------------------------------------------------------------------------------------------------
# Models


def test_model_rows_and_cards():
    rows = {row[0]: row for row in models_tab.model_rows()}
    assert rows["lstm-sentiment-rt-en"][1] == "text-classification"
    assert rows["lstm-sentiment-rt-en"][3].lower().startswith("accuracy 0.")
    card = models_tab.model_card("lstm-sentiment-rt-en")
    assert card["card"].lstrip().startswith("<!--") and "---\n" not in card["card"][:5]
    assert "lstm-sentiment-rt-en" in card["card"] and card["eval_report"] is not None


@pytest.mark.parametrize(
    ("name", "message"), [(None, "Choose a model"), ("", "Choose"), ("gpt-5", "not a published")]
)
def test_model_card_bad_input(name, message):
    with pytest.raises(ValueError, match=message):
        models_tab.model_card(name)


# ---------------------------------------------------------------------------------------------------------------
# Charts


def test_charts_draw_every_kind_of_result():
    trace = sentiment.classify("a wonderful, moving film", "English", "lstm")["trace"]
    rnn_trace = sentiment.classify("a wonderful, moving film", "English", "rnn")["trace"]
    figures = [
        charts.gate_heatmap(trace),
        charts.gate_heatmap(rnn_trace),  # no gates: a message instead
        charts.attention_heatmap(
            ["das", "haus"], ["the", "house", "<eos>"], [[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]]
        ),
        charts.attention_heatmap([], [], []),
        charts.caption_attention(Image.open(EXAMPLE).convert("RGB"), ["a", "b"], [[[1.0]], [[1.0]]]),
    ]
    assert all(isinstance(figure, Figure) for figure in figures)
    assert len(figures[0].axes) == 8  # input, forget, output, cell panels + a colour bar each
    assert "no gates" in figures[1].axes[0].texts[0].get_text()
    assert "WenQuanYi Micro Hei" in charts.token_font() or charts.token_font() == ["DejaVu Sans"]
