"""Tests for rnnhub.tokenization: training, special ids, save/load, Chinese, decoding, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from transformers import AutoTokenizer

from rnnhub.tokenization import (
    BOS_ID,
    EOS_ID,
    PAD_ID,
    SPECIAL_TOKENS,
    TOKENIZER_KINDS,
    UNK_ID,
    load_tokenizer,
    tokenizer_summary,
    train_tokenizer,
)

EN = [
    "Hello, world! The cat sat on the mat.",
    "The dog sat on the log. Hello again, world.",
    "A cat and a dog are friends; the cat is small.",
    "I don't like rain (really), but I like the sun!",
]
ZH = ["你好，世界。", "我爱你。", "猫坐在垫子上。", "世界很大，我们很小。"]
CORPUS = EN + ZH + ["Hello 世界, the cat 爱 the dog."]
KINDS = list(TOKENIZER_KINDS)


def _train(kind: str, **kwargs):
    kwargs.setdefault("vocab_size", 120 if kind == "bpe" else None)
    return train_tokenizer(CORPUS, kind, **kwargs)


@pytest.fixture(scope="module", params=KINDS)
def tok(request):
    return _train(request.param)


# --- special tokens and the bos/eos convention ----------------------------------------------


def test_special_token_constants():
    assert SPECIAL_TOKENS == ("<pad>", "<bos>", "<eos>", "<unk>")
    assert (PAD_ID, BOS_ID, EOS_ID, UNK_ID) == (0, 1, 2, 3)


def test_special_ids_are_fixed(tok):
    assert [tok.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS] == [0, 1, 2, 3]
    assert (tok.pad_token, tok.bos_token, tok.eos_token, tok.unk_token) == SPECIAL_TOKENS
    assert (tok.pad_token_id, tok.bos_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2, 3)
    assert tok.is_fast


def test_default_convention_appends_eos_only(tok):
    ids = tok("the cat")["input_ids"]
    assert ids[-1] == EOS_ID and BOS_ID not in ids
    assert EOS_ID not in tok("the cat", add_special_tokens=False)["input_ids"]


@pytest.mark.parametrize("add_bos, add_eos", [(True, True), (True, False), (False, False)])
def test_bos_eos_flags(add_bos, add_eos):
    tok = _train("word", add_bos=add_bos, add_eos=add_eos)
    ids = tok("the cat")["input_ids"]
    plain = tok("the cat", add_special_tokens=False)["input_ids"]
    assert ids == [BOS_ID] * add_bos + plain + [EOS_ID] * add_eos


def test_special_token_text_is_matched_as_one_token():
    tok = _train("char")
    assert tok("<bos>cat", add_special_tokens=False)["input_ids"][0] == BOS_ID


# --- save / load ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_save_and_autotokenizer_round_trip(kind, tmp_path):
    tok = _train(kind, model_max_length=64)
    tok.save_pretrained(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {"tokenizer.json", "tokenizer_config.json"}
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    text = ["Hello, 世界! The zebra sat.", "我爱你"]
    assert loaded(text)["input_ids"] == tok(text)["input_ids"]
    assert loaded(text, padding=True)["attention_mask"] == tok(text, padding=True)["attention_mask"]
    assert loaded.model_max_length == 64
    special_ids = (loaded.pad_token_id, loaded.bos_token_id, loaded.eos_token_id, loaded.unk_token_id)
    assert special_ids == (0, 1, 2, 3)
    assert tokenizer_summary(loaded) == tokenizer_summary(tok)


def test_load_tokenizer_resyncs_bos_eos_flags(tmp_path):
    _train("word", add_bos=False, add_eos=True).save_pretrained(tmp_path)
    tok = load_tokenizer(tmp_path)
    assert (tok.add_bos_token, tok.add_eos_token) == (False, True)
    tok.add_bos_token = True  # must not drop the <eos> that the saved template adds
    ids = tok("the cat")["input_ids"]
    assert ids[0] == BOS_ID and ids[-1] == EOS_ID


def test_load_tokenizer_rejects_folder_without_tokenizer(tmp_path):
    with pytest.raises(ValueError, match=r"No tokenizer in .*tokenizer\.json is missing"):
        load_tokenizer(tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        load_tokenizer(tmp_path / "notes.txt")


def test_loads_in_fresh_python_without_rnnhub(tmp_path):
    """The saved folder needs only stock transformers: no rnnhub, no trust_remote_code."""
    folder = tmp_path / "tok"
    tok = _train("bpe")
    tok.save_pretrained(folder)
    text = "Hello, 世界! The cat sat."
    script = textwrap.dedent(
        f"""
        import json, sys
        sys.modules["rnnhub"] = None  # block it even if installed, e.g. editable
        try:
            import rnnhub
        except ImportError:
            pass
        else:
            raise SystemExit("rnnhub is importable")
        from transformers import AutoTokenizer
        tok = AutoTokenizer.from_pretrained({str(folder)!r})
        ids = tok({text!r})["input_ids"]
        print(json.dumps({{"ids": ids, "text": tok.decode(ids, skip_special_tokens=True)}}))
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["HF_HUB_OFFLINE"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["ids"] == tok(text)["input_ids"]
    assert out["text"] == text


# --- Chinese and mixed text -----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_chinese_is_split_into_characters(kind):
    tok = _train(kind)
    tokens = [t for t in tok.tokenize("世界很大，我们很小。") if t != "▁"]  # BPE marks the word start
    assert tokens == ["世", "界", "很", "大", ",", "我", "们", "很", "小", "。"]
    assert UNK_ID not in tok.convert_tokens_to_ids(tokens)


def test_mixed_english_chinese_bpe_gets_subwords_and_characters():
    tok = _train("bpe")
    tokens = tok.tokenize("Hello 世界, the cat 爱 the dog.")
    english = [t.lstrip("▁") for t in tokens if t.lstrip("▁").isascii() and t.lstrip("▁").isalpha()]
    chinese = [t for t in tokens if not t.lstrip("▁").isascii()]
    assert any(len(t) > 1 for t in english), tokens  # English merged into subwords
    assert chinese == ["世", "界", "爱"]


def test_mixed_text_word_level():
    tok = _train("word")
    assert tok.tokenize("Hello 世界, the cat!") == ["Hello", "世", "界", ",", "the", "cat", "!"]


# --- vocabulary: unknowns, size, frequency ---------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_maps_to_unk(kind):
    tok = _train(kind)
    unseen = "zebra" if kind == "word" else "Q"
    ids = tok(f"the {unseen}", add_special_tokens=False)["input_ids"]
    assert UNK_ID in ids


def test_vocab_size_keeps_most_frequent_words():
    tok = train_tokenizer(["a a a a b b b c c d", "a b"], "word", vocab_size=6)
    assert len(tok) == 6
    assert set(tok.get_vocab()) == {*SPECIAL_TOKENS, "a", "b"}
    assert tok("c d", add_special_tokens=False)["input_ids"] == [UNK_ID, UNK_ID]


def test_min_frequency_drops_rare_words():
    tok = train_tokenizer(["common common rare"], "word", min_frequency=2)
    assert tok("common rare", add_special_tokens=False)["input_ids"] == [4, UNK_ID]


def test_bpe_vocab_size_holds_for_many_characters():
    # 300 distinct Chinese characters but room for only 50 tokens: the rarest become <unk>.
    chars = [chr(0x4E00 + i) for i in range(300)]
    texts = ["".join(chars)] + ["".join(chars[:20])] * 5
    tok = train_tokenizer(texts, "bpe", vocab_size=50)
    assert len(tok) <= 50
    assert UNK_ID not in tok(chars[0], add_special_tokens=False)["input_ids"]
    assert UNK_ID in tok(chars[-1], add_special_tokens=False)["input_ids"]


def test_lowercase_option():
    tok = _train("word", lowercase=True)
    assert "hello" in tok.get_vocab() and "Hello" not in tok.get_vocab()
    assert tokenizer_summary(tok)["lowercase"] is True
    assert tok.decode(tok("HELLO, World!")["input_ids"], skip_special_tokens=True) == "hello, world!"


# --- decoding ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("text", ["Hello, world!", "The cat sat on the mat.", "我爱你。"])
def test_decode_round_trip(kind, text):
    tok = _train(kind)
    assert tok.decode(tok(text)["input_ids"], skip_special_tokens=True) == text


@pytest.mark.parametrize("kind", ["char", "bpe"])
def test_char_and_bpe_decode_exactly(kind):
    text = "I don't like rain (really), but I like the sun!"
    tok = _train(kind)
    assert tok.decode(tok(text)["input_ids"], skip_special_tokens=True) == text


def test_word_decode_loses_only_documented_spacing():
    tok = _train("word")
    decoded = tok.decode(tok("I don't like rain (really)!")["input_ids"], skip_special_tokens=True)
    assert decoded == "I don ' t like rain ( really)!"


@pytest.mark.parametrize("kind", KINDS)
def test_spaced_continuations_keep_the_space_before_new_words(kind):
    # What the text-generation pipeline does: prompt text + the new tokens decoded on their own.
    tok = _train(kind, spaced_continuations=True)
    prompt, continuation = "The cat", " sat on the mat."
    new_ids = tok("The cat sat on the mat.", add_special_tokens=False)["input_ids"][
        len(tok(prompt, add_special_tokens=False)["input_ids"]) :
    ]
    assert prompt + tok.decode(new_ids) == prompt + continuation
    whole = tok.decode(tok("Hello, world!")["input_ids"], skip_special_tokens=True)
    assert whole == ("Hello, world!" if kind == "char" else " Hello, world!")  # the documented leading space
    # The default joins a continuation to the prompt's last word (word, bpe); char keeps spaces as tokens.
    plain = _train(kind)
    glued = prompt + plain.decode(new_ids)
    assert glued == (prompt + continuation if kind == "char" else "The catsat on the mat.")


def test_whitespace_is_collapsed():
    tok = _train("bpe")
    ids = tok("  the \n\t cat  ")["input_ids"]
    assert ids == tok("the cat")["input_ids"]
    assert tok.decode(ids, skip_special_tokens=True) == "the cat"


def test_nfc_keeps_fullwidth_punctuation():
    nfkc, nfc = _train("char"), _train("char", normalization="NFC")
    assert nfkc.decode(nfkc("你好，世界")["input_ids"], skip_special_tokens=True) == "你好,世界"
    assert nfc.decode(nfc("你好，世界")["input_ids"], skip_special_tokens=True) == "你好，世界"
    assert tokenizer_summary(nfc)["normalization"] == "NFC"


# --- batching, truncation, seq2seq targets ----------------------------------------------------


@pytest.mark.parametrize("side", ["right", "left"])
def test_batch_padding(side):
    tok = _train("word", padding_side=side)
    batch = tok(["the cat sat on the mat", "the dog"], padding=True)
    short, mask = batch["input_ids"][1], batch["attention_mask"][1]
    assert len(short) == len(batch["input_ids"][0]) == 7
    expected_mask = [1, 1, 1] + [0] * 4 if side == "right" else [0] * 4 + [1, 1, 1]
    assert mask == expected_mask
    assert [i for i, m in zip(short, mask) if m == 0] == [PAD_ID] * 4


def test_truncation_to_model_max_length_keeps_eos():
    tok = _train("char", model_max_length=8)
    ids = tok("The cat sat on the mat.", truncation=True)["input_ids"]
    assert len(ids) == 8 and ids[-1] == EOS_ID
    padded = tok(["ab", "The cat sat."], padding="max_length", truncation=True)["input_ids"]
    assert [len(row) for row in padded] == [8, 8]


def test_text_target_gives_labels_with_eos():
    tok = _train("bpe")
    batch = tok(["Hello, world!"], text_target=["你好，世界。"])
    assert batch["labels"][0][-1] == EOS_ID and batch["input_ids"][0][-1] == EOS_ID
    assert tok.decode(batch["labels"][0], skip_special_tokens=True) == "你好,世界。"


# --- determinism --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_training_is_deterministic(kind, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    _train(kind).save_pretrained(first)
    # A generator corpus gives the same result as a list.
    train_tokenizer((t for t in CORPUS), kind, vocab_size=120 if kind == "bpe" else None).save_pretrained(
        second
    )
    for name in ("tokenizer.json", "tokenizer_config.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


# --- summary ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_tokenizer_summary(kind):
    tok = _train(kind)
    summary = tokenizer_summary(tok)
    assert summary["kind"] == kind
    assert summary["vocab_size"] == len(tok)
    assert summary["special_ids"] == {"pad": 0, "bos": 1, "eos": 2, "unk": 3}
    assert summary["special_tokens"]["eos"] == "<eos>"
    assert (summary["add_bos"], summary["add_eos"]) == (False, True)
    assert (summary["normalization"], summary["lowercase"]) == ("NFKC", False)
    json.dumps(summary)  # must be serialisable for model cards


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("texts", [[], ["", "   ", "\n"], iter([])])
def test_empty_corpus_is_rejected(texts):
    with pytest.raises(ValueError, match="empty corpus"):
        train_tokenizer(texts, "word")


def test_unknown_kind_lists_allowed_kinds():
    with pytest.raises(ValueError, match="allowed kinds: word, char, bpe"):
        train_tokenizer(CORPUS, "sentencepiece")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", KINDS)
def test_vocab_size_below_special_tokens_is_rejected(kind):
    with pytest.raises(ValueError, match="smaller than the 4 special tokens"):
        train_tokenizer(CORPUS, kind, vocab_size=3)


def test_other_bad_arguments():
    with pytest.raises(TypeError, match="not a single string"):
        train_tokenizer("hello world", "word")
    with pytest.raises(ValueError, match="min_frequency"):
        train_tokenizer(CORPUS, "word", min_frequency=0)
    with pytest.raises(ValueError, match="normalization"):
        train_tokenizer(CORPUS, "word", normalization="NFD")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", KINDS)
def test_capped_vocabulary_breaks_ties_the_same_way_every_time(kind):
    # 300 characters seen once each compete for a few places: the choice must not depend on hash order.
    chars = [chr(0x4E00 + i) for i in range(300)]
    texts = ["".join(chars), " ".join(chars)] + ["".join(chars[:20])] * 5
    saved = {train_tokenizer(texts, kind, vocab_size=60).backend_tokenizer.to_str() for _ in range(8)}
    assert len(saved) == 1


def test_check_encodable_names_a_lone_surrogate_and_passes_real_characters():
    from rnnhub.tokenization import check_encodable

    check_encodable(["Grüße 😀", "中文", ""])
    with pytest.raises(
        ValueError, match=r"The text has a lone surrogate U\+D83D at character 4 \(half of a UTF-16"
    ):
        check_encodable("nice\ud83d")
    with pytest.raises(ValueError, match=r"Text 3 has a lone surrogate U\+DE00 at character 0"):
        check_encodable(["a", "b", "\ude00"])


def test_extra_words_get_tokens_after_the_trained_vocabulary():
    tok = train_tokenizer(
        ["the cat sat", "the dog"], kind="word", lowercase=True, extra_words=["the", "zebra", "mat"]
    )
    vocab = tok.get_vocab()
    trained = train_tokenizer(["the cat sat", "the dog"], kind="word", lowercase=True).get_vocab()
    assert {w: i for w, i in vocab.items() if w in trained} == trained  # trained ids unchanged
    assert vocab["zebra"] == len(trained) and vocab["mat"] == len(trained) + 1
    assert tok("the zebra sat on the mat").input_ids == [
        vocab["the"],
        vocab["zebra"],
        vocab["sat"],
        tok.unk_token_id,
        vocab["the"],
        vocab["mat"],
        tok.eos_token_id,
    ]


def test_extra_words_the_tokenizer_could_never_produce_are_left_out():
    # Lowercasing turns "Zebra" into another word, and the pre-tokenizer splits "don't": neither could be produced.
    tok = train_tokenizer(["a b"], kind="word", lowercase=True, extra_words=["Zebra", "don't", "ok"])
    assert "Zebra" not in tok.get_vocab() and "don't" not in tok.get_vocab() and "ok" in tok.get_vocab()


@pytest.mark.parametrize("kind", ["char", "bpe"])
def test_extra_words_need_a_word_vocabulary(kind):
    with pytest.raises(ValueError, match="kind='word'"):
        train_tokenizer(["a b"], kind=kind, extra_words=["c"])
