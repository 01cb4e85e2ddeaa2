"""The per-token view of a sentiment classifier: how its belief moves as it reads, and what its gates do.

:func:`sentiment_trace` returns plain lists and floats (JSON-serialisable) so a Gradio demo can plot them directly.

What "the probabilities after token t" means
--------------------------------------------
The model's label probabilities had the text stopped after token ``t`` (tokens ``0..t``, no ``<eos>`` appended):

* unidirectional, ``pooling="last"``: the classifier on the top layer's output at step ``t``;
* unidirectional, ``pooling="mean"`` / ``"max"``: the classifier on the running mean / max of the outputs so far
  (``"concat"``: the step-``t`` output, the running max and the running mean side by side).

Both are what the classifier would see on that prefix, read off one pass over the whole text. A bidirectional
model's backward direction has already read the *end* of the text at step ``t``, so its step-``t`` output is not a
prefix reading; for it the trace re-runs the model on every prefix (batched, so about ``tokens`` times the cost of
one pass). Either way the last step is the model's normal forward pass on the whole text.

Gates (LSTM and GRU only) come from the transparent path on the whole text: top layer, forward direction, one
``(tokens, hidden)`` list per gate name (``rnnhub.models.recurrent.GATE_NAMES``), plus their mean over units per
token. For a bidirectional model with several layers, the top layer's forward direction also depends on later
tokens (through the layer below), which the ``gates_note`` field says.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["DEFAULT_MAX_TOKENS", "sentiment_trace"]

# transformers uses a huge sentinel for "no model_max_length"; the trace then stops here (a demo plots hundreds of
# tokens at most, and the transparent path runs one Python step per token).
DEFAULT_MAX_TOKENS = 512
_UNSET_MAX_LENGTH = 1_000_000
# Prefixes per batch when re-running a bidirectional model on every prefix (bounds memory for long texts).
_PREFIX_BATCH = 64


def _max_length(tokenizer: Any, max_length: int | None) -> int:
    if max_length is None:
        max_length = getattr(tokenizer, "model_max_length", None)
        if not isinstance(max_length, int) or max_length >= _UNSET_MAX_LENGTH:
            max_length = DEFAULT_MAX_TOKENS
    if max_length < 1:
        raise ValueError(f"max_length must be at least 1 token, got {max_length}.")
    return max_length


def _encode(tokenizer: Any, text: str, max_length: int) -> tuple[list[int], bool]:
    """Token ids of ``text`` cut to ``max_length`` (special tokens kept, as ``truncation=True`` does), and
    whether anything was cut."""
    encoding = tokenizer(text, truncation=True, max_length=max_length, return_overflowing_tokens=True)
    rows = encoding["input_ids"]
    # With return_overflowing_tokens, a fast tokenizer returns one row per window: more than one means cut.
    if rows and isinstance(rows[0], list):
        return list(rows[0]), len(rows) > 1
    full_length = len(tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])
    return list(rows), full_length > len(rows)


def _probabilities(model: Any, logits: torch.Tensor) -> torch.Tensor:
    if model.config.problem_type == "multi_label_classification":
        return torch.sigmoid(logits)  # independent labels: one probability each
    return torch.softmax(logits, dim=-1)


def _step_pooled(model: Any, outputs: torch.Tensor) -> torch.Tensor:
    """(1, time, features) top-layer outputs -> (time, features): the pooled vector after each prefix."""
    outputs = outputs[0]
    pooling = model.config.pooling
    if pooling == "concat":  # the model's order: last, max, mean
        return torch.cat([_running(kind, outputs) for kind in ("last", "max", "mean")], dim=-1)
    return _running(pooling, outputs)


def _running(pooling: str, outputs: torch.Tensor) -> torch.Tensor:
    """(time, features) -> (time, features): ``pooling`` over each prefix."""
    if pooling == "last":
        return outputs
    if pooling == "mean":
        steps = torch.arange(1, outputs.shape[0] + 1, device=outputs.device, dtype=outputs.dtype)
        return outputs.cumsum(dim=0) / steps[:, None]
    return outputs.cummax(dim=0).values


def _prefix_logits(model: Any, input_ids: torch.Tensor) -> torch.Tensor:
    """Logits of the model on every prefix ``input_ids[:, : t + 1]`` (right-padded batches; padding never changes
    a result of the fused path)."""
    length = input_ids.shape[1]
    mask = torch.ones(length, length, dtype=torch.long, device=input_ids.device).tril()
    logits = []
    for start in range(0, length, _PREFIX_BATCH):
        rows = mask[start : start + _PREFIX_BATCH]
        batch = input_ids.expand(rows.shape[0], length) * rows  # padding id 0 where masked (ignored anyway)
        logits.append(model(input_ids=batch, attention_mask=rows).logits)
    return torch.cat(logits)


def _gates(model: Any, input_ids: torch.Tensor) -> tuple[dict[str, list], dict[str, list[float]]]:
    gates = model(input_ids=input_ids, attention_mask=torch.ones_like(input_ids), output_gates=True).gates
    config = model.config
    top_forward = (config.num_hidden_layers - 1) * config.num_directions  # index into layers * directions
    full = {name: values[top_forward, 0] for name, values in gates.items()}  # name -> (time, hidden)
    return (
        {name: values.tolist() for name, values in full.items()},
        {name: values.mean(dim=-1).tolist() for name, values in full.items()},
    )


def sentiment_trace(
    model: Any, tokenizer: Any, text: str, *, max_length: int | None = None
) -> dict[str, Any]:
    """Read ``text`` with a ``RnnHubForSequenceClassification`` and return what it believed after each token.

    Args:
        model: the classifier; it is run in eval mode (its mode is restored afterwards), without gradients.
        tokenizer: the model's tokenizer.
        text: the text to read.
        max_length: token budget; default ``tokenizer.model_max_length`` (or :data:`DEFAULT_MAX_TOKENS` when the
            tokenizer sets none). Longer texts are cut, with ``truncated: True``.

    Returns a JSON-serialisable dict:
        ``tokens`` / ``token_ids`` / ``special`` (one entry per token; ``special`` marks ``<eos>`` and friends),
        ``labels`` (class names in id order), ``probabilities`` (per token, per class: see the module docstring),
        ``step_predictions`` (label name per token), ``prediction`` (``label``, ``label_id``, ``probabilities``
        from the model's normal forward pass on the whole text), ``gates`` (name -> per token, per unit) and
        ``gate_summary`` (name -> per token, mean over units), both empty for a vanilla RNN, plus ``truncated``,
        ``num_tokens``, ``cell_type``, ``pooling``, ``bidirectional``, ``step_definition`` and ``gates_note``.

    Raises:
        ValueError: empty or blank text, a text that encodes to no tokens, or a model with a single output
            (regression has no label probabilities).
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}.")
    if not text.strip():
        raise ValueError("empty text: give at least one non-blank character to trace.")
    config = model.config
    if config.num_labels < 2:
        raise ValueError(
            f"The model has num_labels={config.num_labels} (regression); a sentiment trace needs class "
            "probabilities, i.e. a classifier with at least 2 labels."
        )
    ids, truncated = _encode(tokenizer, text, _max_length(tokenizer, max_length))
    if not ids:
        raise ValueError(
            "empty text: the tokenizer produced no tokens for it; check it is the model's tokenizer."
        )

    device = next(model.parameters()).device
    input_ids = torch.tensor([ids], dtype=torch.long, device=device)
    attention_mask = torch.ones_like(input_ids)
    was_training = model.training
    model.eval()  # dropout off: the trace must match the model's predictions
    try:
        with torch.no_grad():
            full = model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
            if config.bidirectional:
                step_logits = _prefix_logits(model, input_ids)
                step_definition = (
                    "the model re-run on tokens 0..t (bidirectional: each prefix read on its own)"
                )
            else:
                step_logits = model.classifier(_step_pooled(model, full.hidden_states[-1]))
                step_definition = {
                    "last": "the classifier on the top layer's output after token t",
                    "mean": "the classifier on the mean of the top layer's outputs over tokens 0..t",
                    "max": "the classifier on the max of the top layer's outputs over tokens 0..t",
                    "concat": "the classifier on the top layer's output after token t, and its max and mean "
                    "over tokens 0..t",
                }[config.pooling]
            gates, summary = ({}, {}) if config.cell_type == "rnn" else _gates(model, input_ids)
    finally:
        model.train(was_training)

    id2label = config.id2label
    labels = [str(id2label.get(i, i)) for i in range(config.num_labels)]
    step_probabilities = _probabilities(model, step_logits)
    final_probabilities = _probabilities(model, full.logits)[0]
    label_id = int(final_probabilities.argmax())
    special_ids = set(tokenizer.all_special_ids)
    gates_note = ""
    if gates:
        gates_note = "top layer, forward direction, from reading the whole text"
        if config.bidirectional and config.num_hidden_layers > 1:
            gates_note += " (the layer below is bidirectional, so these also depend on later tokens)"
    return {
        "tokens": [str(token) for token in tokenizer.convert_ids_to_tokens(ids)],
        "token_ids": ids,
        "special": [token_id in special_ids for token_id in ids],
        "num_tokens": len(ids),
        "truncated": truncated,
        "labels": labels,
        "probabilities": step_probabilities.tolist(),
        "step_predictions": [labels[i] for i in step_probabilities.argmax(dim=-1).tolist()],
        "prediction": {
            "label": labels[label_id],
            "label_id": label_id,
            "probabilities": final_probabilities.tolist(),
        },
        "gates": gates,
        "gate_summary": summary,
        "cell_type": config.cell_type,
        "pooling": config.pooling,
        "bidirectional": bool(config.bidirectional),
        "step_definition": step_definition,
        "gates_note": gates_note,
    }
