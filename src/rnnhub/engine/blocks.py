"""Language-model data: a text corpus with train/validation/test splits, and its token stream cut into blocks.

Shared by the word-level LM (:mod:`rnnhub.lm.recipe`) and the character-level writers (:mod:`rnnhub.writers`)::

    split texts:  "t1", "t2", ...
    token stream: <bos> t1 <eos> <bos> t2 <eos> <bos> ...          (the <bos>/<eos> added here, not by the tokenizer)
    blocks:       [.......seq_len.......][.......seq_len.......]   (the tail that does not fill a block is dropped)

A batch of blocks needs no padding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from rnnhub.models.constants import BOS_ID, EOS_ID

if TYPE_CHECKING:
    import datasets
    from transformers import PreTrainedTokenizerFast

__all__ = ["load_text_corpus", "make_blocks", "token_stream"]


def load_text_corpus(corpus: str | datasets.DatasetDict) -> datasets.DatasetDict:
    """A built-in corpus by name (see ``rnnhub data list``), or a DatasetDict, checked to have train, validation
    and test splits with a ``text`` column.

    Raises:
        ValueError: an unknown name, another type, or missing splits or columns.
    """
    import datasets

    from rnnhub import data as rnnhub_data

    if isinstance(corpus, str):
        if corpus not in rnnhub_data.list_corpora():
            raise ValueError(
                f"Unknown corpus {corpus!r}; give a built-in corpus name (see `rnnhub data list`) or a "
                "DatasetDict with a 'text' column."
            )
        corpus = rnnhub_data.load(corpus)
    if not isinstance(corpus, datasets.DatasetDict):
        raise ValueError(f"corpus must be a corpus name or a DatasetDict, got {type(corpus).__name__}.")
    missing = [split for split in ("train", "validation", "test") if split not in corpus]
    if missing or any("text" not in corpus[split].column_names for split in corpus):
        raise ValueError(
            f"The corpus needs train, validation and test splits with a 'text' column; it has "
            f"{ {split: corpus[split].column_names for split in corpus} }."
        )
    return corpus


def token_stream(texts: Sequence[str], tokenizer: PreTrainedTokenizerFast) -> np.ndarray:
    """``<bos> text <eos>`` of every text, concatenated: a 1-D int64 array."""
    # The special tokens are added here, whatever the tokenizer's template adds (the published LMs' add <bos>
    # only, for prompts): the training and evaluation blocks keep every text's end.
    encoded = tokenizer(list(texts), add_special_tokens=False)["input_ids"]
    return np.fromiter((i for ids in encoded for i in (BOS_ID, *ids, EOS_ID)), dtype=np.int64)


def make_blocks(texts: Sequence[str], tokenizer: PreTrainedTokenizerFast, seq_len: int) -> np.ndarray:
    """Tokenize ``texts`` (each as ``<bos> text <eos>``), concatenate them and cut the stream into rows of
    ``seq_len`` tokens: an ``(n_blocks, seq_len)`` int64 array; the incomplete tail is dropped."""
    if seq_len < 2:
        raise ValueError(f"seq_len must be at least 2 (a block predicts its tokens 2..n), got {seq_len}.")
    stream = token_stream(texts, tokenizer)
    n_blocks = len(stream) // seq_len
    if n_blocks == 0:
        raise ValueError(
            f"The texts give {len(stream)} tokens, fewer than one block of seq_len={seq_len}; "
            "use more text or a shorter seq_len."
        )
    return stream[: n_blocks * seq_len].reshape(n_blocks, seq_len)
