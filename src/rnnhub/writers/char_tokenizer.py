"""The writers' character tokenizer: one token a character, every space, tab and newline kept.

``rnnhub.tokenization``'s ``"char"`` kind collapses whitespace (right for classifiers, wrong for a writer: a play's
line breaks and a program's indentation *are* the format). This one changes nothing but Unicode NFC and ``\\r\\n``
-> ``\\n``, so ``decode(encode(text))`` gives the text back for every text written in its alphabet.

The alphabet and ``<unk>``: the characters seen at least ``min_frequency`` times in the training texts, the most
frequent first (ties by code point), at most ``max_characters`` of them. Any other character, in training or in a
prompt, encodes as ``<unk>`` (id 3), one ``<unk>`` per character; ``decode(..., skip_special_tokens=True)`` drops
it. The special ids are rnnhub's (``<pad>`` 0, ``<bos>`` 1, ``<eos>`` 2, ``<unk>`` 3); encoding adds ``<bos>`` and no
``<eos>`` (as the language model's tokenizer, so the stock ``text-generation`` pipeline continues a prompt), and
training rows get ``<bos> text <eos>`` from :func:`rnnhub.engine.blocks.make_blocks`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
from transformers import PreTrainedTokenizerFast

from rnnhub.tokenization import BOS_TOKEN, EOS_TOKEN, PAD_TOKEN, SPECIAL_TOKENS, UNK_TOKEN

__all__ = ["MAX_CHARACTERS", "MIN_FREQUENCY", "alphabet", "char_tokenizer", "train_char_tokenizer"]

MIN_FREQUENCY = 5  # characters rarer than this in the train split become <unk>
MAX_CHARACTERS = 252  # with the 4 special tokens: a vocabulary of at most 256
_ANY_CHARACTER = r"(?m)."  # Oniguruma's (?m) lets "." match a newline too


def _normalize(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", text.replace("\r\n", "\n"))


def alphabet(
    texts: Iterable[str], min_frequency: int = MIN_FREQUENCY, max_characters: int = MAX_CHARACTERS
) -> list[str]:
    """The characters of ``texts`` seen at least ``min_frequency`` times, most frequent first (ties by code
    point), at most ``max_characters``."""
    if min_frequency < 1 or max_characters < 1:
        raise ValueError(
            f"min_frequency and max_characters must be >= 1, got {min_frequency}, {max_characters}."
        )
    if isinstance(texts, str):
        raise TypeError("texts must be an iterable of strings (e.g. a list), not a single string.")
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(_normalize(text))
    chosen = sorted((c for c, n in counts.items() if n >= min_frequency), key=lambda c: (-counts[c], c))
    if not chosen:
        raise ValueError(
            f"No character occurs {min_frequency} times in the texts; give more text or a lower min_frequency."
        )
    return chosen[:max_characters]


def char_tokenizer(characters: Iterable[str], model_max_length: int = 1_000_000) -> PreTrainedTokenizerFast:
    """A tokenizer over exactly ``characters`` (in that order, after the 4 special tokens)."""
    characters = list(characters)
    bad = [c for c in characters if len(c) != 1 or c in SPECIAL_TOKENS]
    if bad or len(set(characters)) != len(characters):
        raise ValueError(f"characters must be distinct single characters, got {bad or 'duplicates'}.")
    vocab = {token: index for index, token in enumerate([*SPECIAL_TOKENS, *characters])}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK_TOKEN))
    backend.normalizer = normalizers.Sequence([normalizers.Replace("\r\n", "\n"), normalizers.NFC()])
    backend.pre_tokenizer = pre_tokenizers.Split(Regex(_ANY_CHARACTER), behavior="isolated")
    backend.decoder = decoders.Fuse()  # characters are joined as they are, no space between
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token=PAD_TOKEN,
        bos_token=BOS_TOKEN,
        eos_token=EOS_TOKEN,
        unk_token=UNK_TOKEN,
        add_bos_token=True,
        add_eos_token=False,
        model_max_length=model_max_length,
        padding_side="left",  # batched generation continues each prompt from its last character
        clean_up_tokenization_spaces=False,
    )


def train_char_tokenizer(
    texts: Iterable[str], min_frequency: int = MIN_FREQUENCY, max_characters: int = MAX_CHARACTERS
) -> PreTrainedTokenizerFast:
    """The character tokenizer of ``texts``' alphabet (see the module docstring for the rule)."""
    return char_tokenizer(alphabet(texts, min_frequency, max_characters))
