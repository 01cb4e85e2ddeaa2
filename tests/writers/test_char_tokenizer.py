"""The writers' character tokenizer: whitespace kept exactly, a stated <unk> rule, <bos>-only prompts, and the
stock text-generation pipeline continuing a prompt character by character."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoTokenizer, pipeline

from rnnhub.models import RnnHubConfig, RnnHubForCausalLM
from rnnhub.tokenization import BOS_ID, EOS_ID, UNK_ID
from rnnhub.writers.char_tokenizer import alphabet, char_tokenizer, train_char_tokenizer

TEXTS = ["def f(x):\n\treturn  x\n", "ROMEO:\nBut soft!\n\nJULIET:\nAy me.\n"] * 5


def test_round_trip_keeps_every_space_tab_and_newline() -> None:
    tokenizer = train_char_tokenizer(TEXTS)
    for text in TEXTS[:2]:
        ids = tokenizer(text)["input_ids"]
        assert ids[0] == BOS_ID and EOS_ID not in ids and len(ids) == len(text) + 1
        assert tokenizer.decode(ids, skip_special_tokens=True) == text
    assert tokenizer.decode(tokenizer("x\r\nx")["input_ids"], skip_special_tokens=True) == "x\nx"


def test_rare_and_unseen_characters_are_unk_one_per_character() -> None:
    texts = ["aaaaab", "aaaaa"]  # "b" is seen once: below min_frequency=2
    assert alphabet(texts, min_frequency=2) == ["a"]
    tokenizer = train_char_tokenizer(texts, min_frequency=2)
    assert tokenizer("abé", add_special_tokens=False)["input_ids"] == [4, UNK_ID, UNK_ID]
    assert tokenizer.decode([4, UNK_ID], skip_special_tokens=True) == "a"
    assert alphabet(["ccbbbaaa"], min_frequency=1, max_characters=2) == [
        "a",
        "b",
    ]  # most frequent, then code point
    with pytest.raises(ValueError, match="No character occurs 9 times"):
        alphabet(["ab"], min_frequency=9)
    with pytest.raises(TypeError, match="not a single string"):
        alphabet("abc")
    with pytest.raises(ValueError, match="distinct single characters"):
        char_tokenizer(["a", "a"])


def test_saved_tokenizer_and_the_stock_pipeline(tmp_path) -> None:
    tokenizer = train_char_tokenizer(TEXTS, min_frequency=1)
    torch.manual_seed(0)
    config = RnnHubConfig(vocab_size=len(tokenizer), cell_type="lstm", embedding_size=6, hidden_size=10)
    model = RnnHubForCausalLM(config).eval()
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    loaded = AutoTokenizer.from_pretrained(tmp_path)
    assert loaded("def f")["input_ids"] == tokenizer("def f")["input_ids"]

    generator = pipeline("text-generation", model=str(tmp_path), device="cpu")
    prompt = "ROMEO:\n"
    text = generator(prompt, max_new_tokens=7, min_new_tokens=7, do_sample=False)[0]["generated_text"]
    ids = torch.tensor([tokenizer(prompt)["input_ids"]])
    expected = model.generate(ids, max_new_tokens=7, min_new_tokens=7, do_sample=False)
    assert text == prompt + tokenizer.decode(expected[0, ids.shape[1] :], skip_special_tokens=True)
