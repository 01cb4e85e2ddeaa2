"""The hand-written everyday sentences (rnnhub.data.everyday) are outside every corpus they are read against."""

import pytest

from rnnhub import data
from rnnhub.data.common import text_key
from rnnhub.data.everyday import EVERYDAY, everyday_pairs

CORPORA = {
    "de-en": ("ding-de-en", "libreoffice-de-en", "ding-de-en-lexicon"),
    "en-zh": ("libreoffice-en-zh",),
}


@pytest.mark.parametrize("pair", sorted(EVERYDAY))
def test_everyday_sentences_are_in_no_split_of_the_corpus(pair):
    corpus = {
        text_key(text)
        for name in CORPORA[pair]
        for split in data.load_pairs(name).values()
        for text in split["source"]
    }
    sources, references = everyday_pairs(*pair.split("-"))
    assert len(sources) >= 15 and all(references)
    assert not [s for s in sources if text_key(s) in corpus]


def test_unknown_pair_names_the_known_ones():
    with pytest.raises(ValueError, match="de-en"):
        everyday_pairs("fr", "en")
