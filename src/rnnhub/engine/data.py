"""What goes into a fine-tune: the user's data as named columns, and a tokenizer that agrees with the model."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datasets
    from transformers import PreTrainedTokenizerBase


def describe_data(data: Any) -> str:
    """How a report names ``data``: a file's name, a Hub id or corpus name as given, else ``"custom data"``."""
    if isinstance(data, (str, os.PathLike)):
        path = Path(data).expanduser()
        return path.name if path.exists() else os.fspath(data)
    return "custom data"


def load_columns(
    data: Any,
    columns: Mapping[str, str],
    *,
    languages: tuple[str | None, str | None] = (None, None),
    config_name: str | None = None,
) -> datasets.DatasetDict:
    """``data`` as a DatasetDict with exactly the columns ``columns`` names (``{new name: the data's column}``),
    text columns checked non-empty.

    ``data``: a CSV/TSV/JSON/JSONL/parquet file, a folder of split files, a Hub dataset id, a built-in corpus name
    (``rnnhub data list``) or a ``datasets.DatasetDict``. Translation data in the standard layout (a
    ``translation`` column of ``{language: text}`` dicts) gives ``source``/``target`` from ``languages``
    (source, target); a built-in corpus's own languages are the default. ``config_name``: the config of a Hub
    dataset (``datasets.load_dataset(data, name=config_name)``).

    Raises:
        ValueError: a missing column (the message lists the available ones), an empty text, or unusable ``data``.
    """
    import datasets

    from rnnhub import data as rnnhub_data
    from rnnhub.data import loaders

    if isinstance(data, (str, os.PathLike)):
        name = os.fspath(data)
        corpora = rnnhub_data.list_corpora()
        if not Path(name).expanduser().exists() and name in corpora:
            if config_name is not None:
                raise ValueError(
                    f"{name} is a built-in corpus, which has no configs; leave --dataset-config-name out."
                )
            data = rnnhub_data.load(name)  # a built-in corpus, e.g. "rt-sentiment-en"
            if languages == (None, None) and corpora[name].task == "translation":
                languages = corpora[name].languages
        else:
            extra = {} if config_name is None else {"name": config_name}
            return loaders.load_user_data(data, columns=dict(columns), languages=languages, **extra)
    elif config_name is not None:
        raise ValueError("config_name picks a config of a Hub dataset; it does not apply to a DatasetDict.")
    if not isinstance(data, datasets.DatasetDict):
        raise ValueError(
            "data must be a file, a folder, a Hub dataset id, a built-in corpus name or a DatasetDict; "
            f"got {type(data).__name__}."
        )
    # The same checks load_user_data applies to files (missing columns, empty texts).
    selected = {}
    for split, dataset in data.items():
        where = f"{describe_data(data)} [{split}]"
        dataset = loaders.select_columns(dataset, dict(columns), where, languages)
        loaders.check_texts(dataset, where)
        selected[split] = dataset
    return datasets.DatasetDict(selected)


def check_tokenizer(tokenizer: PreTrainedTokenizerBase, config: Any, source: str) -> None:
    """Raise a ValueError when ``tokenizer`` does not fit ``config`` (vocabulary size, special token ids)."""
    problems = []
    if len(tokenizer) > config.vocab_size:
        problems.append(
            f"the tokenizer has {len(tokenizer)} tokens but the model's vocabulary has {config.vocab_size} "
            "(ids beyond it have no embedding)"
        )
    for name in ("pad", "bos", "eos"):
        model_id, tokenizer_id = getattr(config, f"{name}_token_id"), getattr(tokenizer, f"{name}_token_id")
        if model_id is not None and tokenizer_id is not None and model_id != tokenizer_id:
            problems.append(f"{name} token id is {tokenizer_id} in the tokenizer but {model_id} in the model")
    if tokenizer.pad_token_id is None:
        problems.append("the tokenizer has no padding token (batches cannot be padded)")
    if problems:
        raise ValueError(
            f"model/tokenizer mismatch in {source}: {'; '.join(problems)}. Save the tokenizer the model was "
            "trained with next to it (tokenizer.save_pretrained(folder))."
        )
