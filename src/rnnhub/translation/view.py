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
from typing import Any

import torch

from rnnhub.engine.checks import check_num_beams
from rnnhub.translation.text import default_max_new_tokens, encode_sources

__all__ = ["load_translator", "translate_with_attention"]


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
        ValueError: ``text`` is not a string, or ``num_beams`` / ``max_new_tokens`` is below 1.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}.")
    check_num_beams(num_beams)
    if max_new_tokens is not None and (not isinstance(max_new_tokens, int) or max_new_tokens < 1):
        raise ValueError(f"max_new_tokens must be a positive integer or None, got {max_new_tokens!r}.")
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
