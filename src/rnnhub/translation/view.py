"""Translate one sentence and show where the decoder looked: one row of attention weights per output token.

>>> from rnnhub.translation.view import load_translator, translate_with_attention
>>> model, tokenizer = load_translator("lstm-translation-de-en")
>>> view = translate_with_attention(model, tokenizer, "Ich bin müde.", num_beams=5)
>>> view["translation"], view["source_tokens"], view["target_tokens"]
>>> view["attention"][0]          # weights over the source tokens for the first output token; they sum to 1

The translation is generated first (greedy or beam search); then the decoder re-reads it with teacher forcing and
returns its attention weights. The weights at step t depend only on the source and the tokens before t (Bahdanau
attends from the previous state, Luong from the state after reading the previous token), so this replay gives
exactly the weights the decoder used when it chose each token.

Tokens are the tokenizer's own pieces (BPE pieces start with ``"▁"`` at a word start); the source row ends with
``<eos>`` and so does the target when the model finished the sentence, so every weight is shown. A model without
attention (``attention_type="none"``) has no weights: ``"attention"`` is then an empty list.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Sequence
from typing import Any

import torch

from rnnhub.engine.checks import check_max_new_tokens, check_num_beams
from rnnhub.translation.text import default_max_new_tokens, encode_sources

__all__ = ["WORD_START", "load_translator", "translate_with_attention", "word_attention", "words_of_pieces"]

# The BPE tokenizers mark a word start with this piece prefix (the tokenizers Metaspace pre-tokenizer).
WORD_START = "\u2581"


def load_translator(name_or_path: str | os.PathLike[str]) -> tuple[Any, Any]:
    """(model in eval mode, tokenizer) of a translation folder, registry short name or Hub id."""
    from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer

    from rnnhub.publish.hub import resolve

    source = resolve(name_or_path)
    model_type = getattr(AutoConfig.from_pretrained(source), "model_type", None)
    if model_type != "rnnhub-seq2seq":
        raise ValueError(
            f"{name_or_path} is a {model_type} model, not an rnnhub translation (seq2seq) model."
        )
    model = AutoModelForSeq2SeqLM.from_pretrained(source).eval()
    return model, AutoTokenizer.from_pretrained(source)


def _empty() -> dict[str, Any]:
    return {"translation": "", "source_tokens": [], "target_tokens": [], "attention": [], "truncated": False}


@torch.no_grad()
def translate_with_attention(
    model: Any,
    tokenizer: Any,
    text: str,
    *,
    num_beams: int = 1,
    max_new_tokens: int | None = None,
) -> dict[str, Any]:
    """Translate ``text`` and return the decoder's attention over the source tokens.

    Returns a JSON-ready dict: ``translation`` (str), ``source_tokens`` and ``target_tokens`` (lists of str),
    ``attention`` (one row per target token, one weight per source token, each row summing to 1; empty for a
    model without attention) and ``truncated`` (whether the source was cut to the model's length limit).

    Raises:
        ValueError: ``text`` is not a string, or ``num_beams`` / ``max_new_tokens`` is below 1 or beyond the
            limits of :mod:`rnnhub.engine.checks` (refused before anything is generated).
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}.")
    check_num_beams(num_beams)
    if max_new_tokens is not None:
        check_max_new_tokens(max_new_tokens, model, tokenizer)
    if not text.strip():
        return _empty()

    (ids,), (truncated,) = encode_sources(tokenizer, [text])
    device = next(model.parameters()).device
    input_ids = torch.tensor([ids], device=device)
    attention_mask = torch.ones_like(input_ids)
    if max_new_tokens is None:
        max_new_tokens = default_max_new_tokens(model, len(ids))
    generated = model.generate(
        input_ids=input_ids,
        attention_mask=attention_mask,
        num_beams=num_beams,
        max_new_tokens=max_new_tokens,
        do_sample=False,
    )[0]
    # generated = <start> y_1 ... y_n [<eos>] [<pad>...]; keep the tokens the model chose, up to its <eos>.
    start = model.config.decoder_start_token_id
    chosen = generated[1:] if int(generated[0]) == start else generated
    chosen = chosen.tolist()
    eos = model.config.eos_token_id
    if eos in chosen:
        chosen = chosen[: chosen.index(eos) + 1]
    translation = tokenizer.decode(chosen, skip_special_tokens=True)
    if not chosen:
        return {**_empty(), "truncated": truncated, "source_tokens": tokenizer.convert_ids_to_tokens(ids)}

    attention: list[list[float]] = []
    if model.config.attention_type != "none":
        decoder_input_ids = torch.tensor([[start, *chosen[:-1]]], device=device)
        out = model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            decoder_input_ids=decoder_input_ids,
            output_attentions=True,
            use_cache=False,
        )
        weights = out.cross_attentions[0][0, 0]  # (target steps, source tokens)
        attention = [[float(w) for w in row] for row in weights.float().cpu()]
    return {
        "translation": translation,
        "source_tokens": tokenizer.convert_ids_to_tokens(ids),
        "target_tokens": tokenizer.convert_ids_to_tokens(chosen),
        "attention": attention,
        "truncated": truncated,
    }


def _stands_alone(piece: str, special: set[str]) -> bool:
    """Pieces that are a unit of their own: special tokens, punctuation, and Chinese / Japanese characters (no
    spaces mark words there, and the tokenizers split those characters one by one)."""
    if piece in special:
        return True
    return all(unicodedata.category(char).startswith("P") for char in piece) or any(
        unicodedata.east_asian_width(char) in ("W", "F") for char in piece
    )


def words_of_pieces(pieces: Sequence[str], special: Sequence[str] = ()) -> list[tuple[str, list[int]]]:
    """Group tokenizer pieces into words: ``[(word, [piece index, ...]), ...]`` in order, covering every piece.

    A piece starting with :data:`WORD_START` opens a word and the pieces after it without the mark continue it
    (``"▁B" "ahn"`` -> ``"Bahn"``); special tokens (``special``), punctuation and CJK characters stand alone, except
    punctuation inside a word (``"Don" "’" "t"`` -> ``"Don’t"``). A lone
    mark piece belongs to the word it starts. Pieces without any mark (a word-level tokenizer) are words already.
    """
    special_set = set(special)
    if not any(piece.startswith(WORD_START) for piece in pieces):  # a word-level tokenizer: pieces are words
        return [(piece, [index]) for index, piece in enumerate(pieces)]
    groups: list[list[Any]] = []  # [word, piece indices, stands alone, punctuation glued to the word before]
    pending: list[int] = []  # lone word-start marks waiting for their word
    for index, piece in enumerate(pieces):
        opens = piece.startswith(WORD_START) and piece not in special_set
        body = piece[len(WORD_START) :] if opens else piece
        if not body:
            pending.append(index)
            continue
        alone = _stands_alone(body, special_set)
        if alone or opens or pending or not groups:
            glued = alone and not opens and not pending and bool(groups) and not groups[-1][2]
            groups.append([body, [*pending, index], alone, glued and piece not in special_set])
        elif groups[-1][3] and len(groups) > 1:  # "Don" "’" "t": the word goes on across the punctuation
            mark, word = groups.pop(), groups.pop()
            groups.append([word[0] + mark[0] + body, [*word[1], *mark[1], index], False, False])
        elif groups[-1][2]:
            groups.append([body, [index], False, False])
        else:
            groups[-1][0] += body
            groups[-1][1].append(index)
        pending = []
    if pending:  # trailing marks: part of the last word (or a word of their own when there is nothing else)
        if groups:
            groups[-1][1].extend(pending)
        else:
            groups.append([WORD_START, pending, True, False])
    return [(word, indices) for word, indices, _, _ in groups]


def word_attention(
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    attention: Sequence[Sequence[float]],
    special: Sequence[str] = (),
) -> dict[str, Any]:
    """The attention matrix over words instead of BPE pieces.

    A source word's weight is the **sum** of its pieces' weights (the attention it received, so each row still sums
    to 1); a generated word's row is the **mean** of its pieces' rows. Returns ``source_words``, ``target_words``
    and ``attention`` (one row per generated word); with no attention (a model without it) the words and ``[]``.
    """
    sources = words_of_pieces(source_tokens, special)
    targets = words_of_pieces(target_tokens, special)
    result = {
        "source_words": [w for w, _ in sources],
        "target_words": [w for w, _ in targets],
        "attention": [],
    }
    if not attention:
        return result
    if len(attention) != len(target_tokens) or any(len(row) != len(source_tokens) for row in attention):
        raise ValueError(
            f"attention must have one row per target token ({len(target_tokens)}) and one weight per source token "
            f"({len(source_tokens)})."
        )
    by_source = [[sum(row[i] for i in indices) for _, indices in sources] for row in attention]
    result["attention"] = [
        [sum(by_source[t][column] for t in indices) / len(indices) for column in range(len(sources))]
        for _, indices in targets
    ]
    return result
