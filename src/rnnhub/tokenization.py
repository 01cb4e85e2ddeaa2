"""Train word-, character- and BPE-level tokenizers and wrap them as ``transformers`` fast tokenizers.

All three kinds are trained with the ``tokenizers`` library and wrapped in
:class:`transformers.PreTrainedTokenizerFast` (an alias of ``TokenizersBackend`` in transformers 5).
``save_pretrained`` writes only ``tokenizer.json`` + ``tokenizer_config.json``, which stock
``AutoTokenizer.from_pretrained(folder)`` loads without rnnhub or ``trust_remote_code``.

Kinds
-----
``"word"``
    One token per word or punctuation mark: text is split on whitespace, every punctuation character
    is its own token, and so is every CJK character (Chinese has no spaces, so a "word" would otherwise
    be a whole sentence). ``vocab_size`` keeps the most frequent words; the rest become ``<unk>``.
``"char"``
    One token per character; a space is the token ``"▁"``. Good for small corpora and for Chinese.
``"bpe"``
    Byte-pair encoding over characters (SentencePiece-style ``"▁"`` word-start marker, no byte
    fallback: a character never seen in training becomes ``<unk>``). Punctuation and CJK characters
    are pre-split, so mixed English/Chinese text gets English subwords and Chinese characters, which
    is what one joint tokenizer for an English->Chinese translation model needs.

Normalisation (all kinds): Unicode NFKC (or NFC), optional lowercasing, every whitespace run becomes
one space, leading/trailing whitespace is removed.

Special tokens and the bos/eos convention
-----------------------------------------
``<pad>`` = 0, ``<bos>`` = 1, ``<eos>`` = 2, ``<unk>`` = 3, always, for every kind (model configs rely
on these ids). By default (``add_bos=False, add_eos=True``) encoding gives ``text <eos>``:

* classifiers: the trailing ``<eos>`` is harmless (and marks the end for a unidirectional RNN);
* seq2seq: encoder inputs end with ``<eos>`` and ``text_target=`` labels end with ``<eos>``; the
  decoder input is the labels shifted right behind ``<bos>`` (done by the model, not the tokenizer);
* causal LM: train a tokenizer with ``add_bos=True, add_eos=False``, so that a prompt encodes as
  ``<bos> text``, as the stock ``text-generation`` pipeline needs (a prompt ending in ``<eos>`` makes the
  model continue after the end of a text); the training rows append ``<eos>`` themselves
  (:func:`rnnhub.engine.blocks.make_blocks` builds ``<bos> text <eos>``).

The choice is stored as the ``TemplateProcessing`` post-processor in ``tokenizer.json``, so any loader
applies it. transformers does not save the ``add_bos_token``/``add_eos_token`` flags themselves: after
a plain ``AutoTokenizer`` load both read ``False`` although the template still adds the tokens.
:func:`load_tokenizer` re-syncs them; with plain ``AutoTokenizer`` set *both* flags to change the
template (setting one rebuilds the template from both).

What decoding loses (``decode(ids, skip_special_tokens=True)``)
-------------------------------------------------------------
* all kinds: lowercasing (if enabled), NFKC compatibility folding (full-width ``，`` becomes ``,``;
  use ``normalization="NFC"`` to keep Chinese punctuation), collapsed/stripped whitespace (newlines and
  tabs become single spaces), and unknown characters or words (``<unk>`` is dropped);
* ``"word"``: the original spacing around punctuation. Tokens are re-joined with single spaces, then
  the space *before* ``. , ! ? ; : ) ] } %`` and before CJK characters/punctuation is removed, so
  ``"Hello, world!"`` round-trips but ``"don't (really)"`` decodes as ``"don ' t ( really)"``;
* ``"char"`` and ``"bpe"``: nothing beyond the list for all kinds.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from transformers import AutoTokenizer, PreTrainedTokenizerFast

# Refuses a lone surrogate; defined with the translation pipeline's remote code, which needs it too.
from rnnhub.pipelines.source_text import check_encodable as check_encodable

__all__ = [
    "BOS_ID",
    "BOS_TOKEN",
    "DEFAULT_BPE_VOCAB_SIZE",
    "EOS_ID",
    "EOS_TOKEN",
    "PAD_ID",
    "PAD_TOKEN",
    "SPECIAL_TOKENS",
    "TOKENIZER_KINDS",
    "UNK_ID",
    "UNK_TOKEN",
    "check_encodable",
    "load_tokenizer",
    "tokenizer_summary",
    "train_tokenizer",
]

PAD_TOKEN, BOS_TOKEN, EOS_TOKEN, UNK_TOKEN = "<pad>", "<bos>", "<eos>", "<unk>"
# Order matters: the trainers give special tokens ids in this order, so <pad>=0 ... <unk>=3.
SPECIAL_TOKENS: tuple[str, ...] = (PAD_TOKEN, BOS_TOKEN, EOS_TOKEN, UNK_TOKEN)
PAD_ID, BOS_ID, EOS_ID, UNK_ID = range(len(SPECIAL_TOKENS))

TokenizerKind = Literal["word", "char", "bpe"]
TOKENIZER_KINDS: tuple[str, ...] = ("word", "char", "bpe")
DEFAULT_BPE_VOCAB_SIZE = 8000
# "No limit" for word/char trainers (they take a plain integer).
_UNLIMITED_VOCAB = 2**31 - 1

# Han ideographs, Japanese kana, CJK symbols/punctuation (U+3000-303F) and full-width forms
# (U+FF00-FFEF). Hangul is left out on purpose: Korean separates words with spaces.
_CJK_CLASS = r"\p{Han}\p{Hiragana}\p{Katakana}\x{3000}-\x{303F}\x{FF00}-\x{FFEF}"
_CJK_CHAR = Regex(f"[{_CJK_CLASS}]")
# Any single character, newline included (whitespace is already collapsed, but be safe).
_ANY_CHAR_PATTERN = r"(?m)."
_META = "▁"  # SentencePiece's visible space marker
# Word-level decoding: drop the joining space before closing punctuation and CJK characters.
_NO_SPACE_BEFORE = Regex(rf"^ (?=[.,!?;:)\]}}%{_CJK_CLASS}])")


def _normalizer(lowercase: bool, normalization: str) -> normalizers.Normalizer:
    steps = [normalizers.NFKC() if normalization == "NFKC" else normalizers.NFC()]
    if lowercase:
        steps.append(normalizers.Lowercase())
    # Collapse whitespace so that "a \n b" and "a b" share tokens and decode identically.
    steps += [normalizers.Replace(Regex(r"\s+"), " "), normalizers.Strip()]
    return normalizers.Sequence(steps)


def _word_decoder(spaced_first: bool) -> decoders.Decoder:
    """Tokens joined with single spaces, none before closing punctuation; ``spaced_first``: the first word gets
    its space too (a continuation decoded on its own then starts with one)."""
    # WordPiece's decoder is the built-in "join with spaces"; the "##" prefix never occurs because every
    # punctuation character (including '#') is a token of its own.
    join = (
        decoders.Replace(Regex("^"), " ") if spaced_first else decoders.WordPiece(prefix="##", cleanup=False)
    )
    return decoders.Sequence([join, decoders.Replace(_NO_SPACE_BEFORE, "")])


def _build_backend(kind: str, lowercase: bool, normalization: str, spaced_first: bool = False) -> Tokenizer:
    cjk_split = pre_tokenizers.Split(_CJK_CHAR, behavior="isolated")
    punct_split = pre_tokenizers.Punctuation(behavior="isolated")
    if kind == "word":
        tokenizer = Tokenizer(models.WordLevel(unk_token=UNK_TOKEN))
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.WhitespaceSplit(), punct_split, cjk_split]
        )
        tokenizer.decoder = _word_decoder(spaced_first)
    elif kind == "char":
        tokenizer = Tokenizer(models.WordLevel(unk_token=UNK_TOKEN))
        # Spaces become the visible "▁" token, then every character is split off.
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="never", split=False),
                pre_tokenizers.Split(Regex(_ANY_CHAR_PATTERN), behavior="isolated"),
            ]
        )
        tokenizer.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="never", split=False)
    else:
        tokenizer = Tokenizer(models.BPE(unk_token=UNK_TOKEN, fuse_unk=True))
        # "▁" marks a word start, so decoding restores spaces exactly; punctuation and CJK characters
        # are separate pre-tokens so merges never glue "world!" or a whole Chinese phrase together.
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always", split=True),
                punct_split,
                cjk_split,
            ]
        )
        # "never": the decoder keeps the first word's space ("always" strips it).
        scheme = "never" if spaced_first else "always"
        tokenizer.decoder = decoders.Metaspace(replacement=_META, prepend_scheme=scheme, split=True)
    tokenizer.normalizer = _normalizer(lowercase, normalization)
    return tokenizer


def _trainer(
    kind: str, vocab_size: int | None, min_frequency: int, alphabet: list[str] | None = None
) -> trainers.Trainer:
    special = list(SPECIAL_TOKENS)
    if kind == "bpe":
        size = vocab_size if vocab_size is not None else DEFAULT_BPE_VOCAB_SIZE
        # BPE always keeps its whole alphabet; ``alphabet`` (see _bpe_alphabet) caps it so a corpus with
        # thousands of distinct (e.g. Chinese) characters still respects vocab_size. Giving the trainer the
        # chosen characters as its initial alphabet, and no room for more, makes the choice deterministic:
        # its own cut breaks ties between equally rare characters in hash order, differently in each run.
        return trainers.BpeTrainer(
            vocab_size=size,
            min_frequency=min_frequency,
            special_tokens=special,
            initial_alphabet=alphabet or [],
            limit_alphabet=len(alphabet) if alphabet else size - len(special),
            show_progress=False,
        )
    size = vocab_size if vocab_size is not None else _UNLIMITED_VOCAB
    return trainers.WordLevelTrainer(
        vocab_size=size, min_frequency=min_frequency, special_tokens=special, show_progress=False
    )


def _bpe_alphabet(backend: Tokenizer, texts: list[str], vocab_size: int | None) -> list[str]:
    """The characters BPE may use: the most frequent ones that fit in the vocabulary, ties by code point."""
    counts: Counter[str] = Counter()
    for text in texts:
        normalized = backend.normalizer.normalize_str(text)
        for piece, _ in backend.pre_tokenizer.pre_tokenize_str(normalized):
            counts.update(piece)
    room = (vocab_size if vocab_size is not None else DEFAULT_BPE_VOCAB_SIZE) - len(SPECIAL_TOKENS)
    return sorted(counts, key=lambda char: (-counts[char], char))[:room]


def _add_words(backend: Tokenizer, words: list[str]) -> None:
    """Append ``words`` the word-level ``backend`` can produce and lacks to its vocabulary (ids after the rest)."""
    vocab = backend.get_vocab()
    for word in words:
        if word in vocab or backend.normalizer.normalize_str(word) != word:
            continue
        if [piece for piece, _ in backend.pre_tokenizer.pre_tokenize_str(word)] == [word]:
            vocab[word] = len(vocab)
    backend.model = models.WordLevel(vocab=vocab, unk_token=UNK_TOKEN)


class _NonEmptyTexts:
    """Iterate over the non-blank texts of a (possibly streamed) corpus, counting them."""

    def __init__(self, texts: Iterable[str]) -> None:
        self._texts = texts
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        for text in self._texts:
            # Datasets may hold None or blank rows; they carry no vocabulary.
            if text and not text.isspace():
                self.count += 1
                yield text


def train_tokenizer(
    texts: Iterable[str],
    kind: TokenizerKind,
    vocab_size: int | None = None,
    min_frequency: int = 1,
    lowercase: bool = False,
    model_max_length: int = 512,
    padding_side: Literal["right", "left"] = "right",
    add_bos: bool = False,
    add_eos: bool = True,
    normalization: Literal["NFKC", "NFC"] = "NFKC",
    spaced_continuations: bool = False,
    extra_words: Iterable[str] = (),
) -> PreTrainedTokenizerFast:
    """Train a tokenizer of ``kind`` on ``texts`` and wrap it as a transformers fast tokenizer.

    Args:
        texts: training corpus; any iterable (a generator is consumed once). Blank texts are skipped.
        kind: ``"word"``, ``"char"`` or ``"bpe"`` (see the module docstring).
        vocab_size: total vocabulary size including the 4 special tokens. ``None`` keeps every word or
            character for ``"word"``/``"char"`` and means ``DEFAULT_BPE_VOCAB_SIZE`` for ``"bpe"``.
            The most frequent entries are kept; ties are broken deterministically.
        min_frequency: words/characters seen fewer times become ``<unk>``; for BPE, pairs seen fewer
            times are not merged.
        lowercase: lowercase during normalisation (lossy, shrinks the vocabulary).
        model_max_length: length used by ``truncation=True`` and ``padding="max_length"``.
        padding_side: ``"right"`` (usual) or ``"left"`` (batched generation).
        add_bos: prepend ``<bos>`` when encoding with special tokens.
        add_eos: append ``<eos>`` when encoding with special tokens.
        normalization: ``"NFKC"`` (folds full-width and compatibility forms) or ``"NFC"`` (keeps them).
        spaced_continuations: ``"word"``/``"bpe"``: decode the first word with its leading space too, so that
            the new tokens of a generation, decoded on their own, start with the space that separates them
            from the prompt (the stock ``text-generation`` pipeline appends them to the prompt text as they
            are); a whole text then decodes with a leading space. For causal LMs. ``"char"`` needs none: a
            space is a token of its own.
        extra_words: ``"word"`` only: words that get a token even if ``texts`` lacks them or has them fewer than
            ``min_frequency`` times (e.g. the most frequent words of a pretrained vector table, so a word
            the training texts never show keeps its pretrained vector instead of becoming ``<unk>``). They
            come after the trained vocabulary, in the given order, on top of ``vocab_size``; a word that
            normalisation changes (e.g. an uppercase word with ``lowercase=True``) or that pre-tokenisation
            splits (e.g. "don't") could never be produced and is left out.

    Raises:
        ValueError: unknown ``kind`` or ``normalization``, ``vocab_size`` below the number of special
            tokens, ``min_frequency`` < 1, or a corpus without any non-blank text.
    """
    if kind not in TOKENIZER_KINDS:
        raise ValueError(f"Unknown tokenizer kind {kind!r}; allowed kinds: {', '.join(TOKENIZER_KINDS)}.")
    if normalization not in ("NFKC", "NFC"):
        raise ValueError(f"Unknown normalization {normalization!r}; allowed: NFKC, NFC.")
    if vocab_size is not None and vocab_size < len(SPECIAL_TOKENS):
        raise ValueError(
            f"vocab_size={vocab_size} is smaller than the {len(SPECIAL_TOKENS)} special tokens "
            f"{SPECIAL_TOKENS}; use at least {len(SPECIAL_TOKENS)} (realistically far more)."
        )
    if min_frequency < 1:
        raise ValueError(f"min_frequency must be >= 1, got {min_frequency}.")
    extra_words = list(extra_words)
    if extra_words and kind != "word":
        raise ValueError(f"extra_words needs kind='word' (a word vocabulary), got kind={kind!r}.")

    if isinstance(texts, str):
        # A lone string would silently be iterated character by character.
        raise TypeError("texts must be an iterable of strings (e.g. a list), not a single string.")

    backend = _build_backend(kind, lowercase, normalization, spaced_continuations)
    corpus = _NonEmptyTexts(texts)
    alphabet = None
    if kind == "bpe":
        # BPE needs the character counts before training (to choose its alphabet), so the corpus is read twice.
        corpus = list(corpus)
        alphabet = _bpe_alphabet(backend, corpus, vocab_size)
    backend.train_from_iterator(corpus, trainer=_trainer(kind, vocab_size, min_frequency, alphabet))
    if (len(corpus) if isinstance(corpus, list) else corpus.count) == 0:
        raise ValueError("Cannot train a tokenizer on an empty corpus: texts has no non-empty string.")

    if extra_words:
        _add_words(backend, extra_words)

    # Guard the id convention the model configs depend on.
    ids = [backend.token_to_id(token) for token in SPECIAL_TOKENS]
    if ids != list(range(len(SPECIAL_TOKENS))):
        raise RuntimeError(f"special tokens got ids {ids}, expected 0..{len(SPECIAL_TOKENS) - 1}")

    # Passing add_bos_token/add_eos_token makes transformers build the TemplateProcessing
    # post-processor ("[<bos>] $A [<eos>]"), which is saved in tokenizer.json.
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token=PAD_TOKEN,
        bos_token=BOS_TOKEN,
        eos_token=EOS_TOKEN,
        unk_token=UNK_TOKEN,
        add_bos_token=add_bos,
        add_eos_token=add_eos,
        model_max_length=model_max_length,
        padding_side=padding_side,
        clean_up_tokenization_spaces=False,  # our decoders already handle spacing
    )


def load_tokenizer(path: str | os.PathLike[str], **kwargs: Any) -> PreTrainedTokenizerFast:
    """Load a saved tokenizer with stock ``AutoTokenizer`` (extra ``kwargs`` are passed through).

    A local path must be a folder holding ``tokenizer.json`` (as written by ``save_pretrained``);
    anything else that exists locally raises ``ValueError``. Other strings are treated as Hub ids.

    transformers does not save ``add_bos_token``/``add_eos_token`` (the post-processor in
    ``tokenizer.json`` is the source of truth), so a plain ``AutoTokenizer`` load reports both as
    ``False``. Here they are re-synced from the post-processor, so that later setting one of them
    does not silently drop the other.
    """
    folder = Path(path)
    if folder.exists():
        if not folder.is_dir():
            raise ValueError(f"{folder} is a file; expected a folder saved with tokenizer.save_pretrained().")
        if not (folder / "tokenizer.json").is_file():
            raise ValueError(
                f"No tokenizer in {folder}: tokenizer.json is missing. Train one with "
                "rnnhub.tokenization.train_tokenizer() and save it with tokenizer.save_pretrained(folder)."
            )
    tokenizer = AutoTokenizer.from_pretrained(str(path), **kwargs)
    flags = _template_flags(tokenizer)
    if flags is not None and flags != (tokenizer.add_bos_token, tokenizer.add_eos_token):
        # Each setter rebuilds the same "[<bos>] $A [<eos>]" template transformers made at training.
        tokenizer.add_bos_token, tokenizer.add_eos_token = flags
    return tokenizer


def _state(component: Any) -> Any:
    """The JSON description of a backend component (normalizer, post-processor, ...), or None."""
    return None if component is None else json.loads(component.__getstate__())


def _template_flags(tokenizer: PreTrainedTokenizerFast) -> tuple[bool, bool] | None:
    """``(add_bos, add_eos)`` read from a ``[<bos>] $A [<eos>]`` template; None for any other one."""
    spec = _state(tokenizer.backend_tokenizer.post_processor)
    if not spec or spec.get("type") != "TemplateProcessing":
        return None
    pieces = [next(iter(piece.values()))["id"] for piece in spec["single"]]
    add_bos = pieces[:1] == [tokenizer.bos_token]
    add_eos = pieces[-1:] == [tokenizer.eos_token]
    expected = [tokenizer.bos_token] * add_bos + ["A"] + [tokenizer.eos_token] * add_eos
    return (add_bos, add_eos) if pieces == expected else None


def _kind_of(tokenizer: PreTrainedTokenizerFast) -> str:
    """Recover the kind from the backend (works for freshly trained and loaded tokenizers)."""
    backend = tokenizer.backend_tokenizer
    model_type = type(backend.model).__name__
    if model_type == "BPE":
        return "bpe"
    if model_type == "WordLevel":
        # The char kind is the only one that splits on "any character".
        return "char" if _ANY_CHAR_PATTERN in json.dumps(_state(backend.pre_tokenizer)) else "word"
    return model_type.lower()


def tokenizer_summary(tokenizer: PreTrainedTokenizerFast) -> dict[str, Any]:
    """JSON-serialisable facts about a tokenizer, for model cards and configs."""
    special = {
        "pad": (tokenizer.pad_token, tokenizer.pad_token_id),
        "bos": (tokenizer.bos_token, tokenizer.bos_token_id),
        "eos": (tokenizer.eos_token, tokenizer.eos_token_id),
        "unk": (tokenizer.unk_token, tokenizer.unk_token_id),
    }
    add_bos, add_eos = _template_flags(tokenizer) or (None, None)
    normalizer = json.dumps(_state(tokenizer.backend_tokenizer.normalizer))
    return {
        "kind": _kind_of(tokenizer),
        "normalization": next((form for form in ("NFKC", "NFC") if f'"{form}"' in normalizer), None),
        "lowercase": '"Lowercase"' in normalizer,
        "vocab_size": len(tokenizer),
        "model_max_length": tokenizer.model_max_length,
        "padding_side": tokenizer.padding_side,
        "add_bos": add_bos,  # None: the post-processor is not a plain [<bos>] $A [<eos>] template
        "add_eos": add_eos,
        "special_tokens": {name: token for name, (token, _) in special.items()},
        "special_ids": {name: token_id for name, (_, token_id) in special.items()},
    }
