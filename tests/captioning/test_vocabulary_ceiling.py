"""bench/captioning_vocabulary_ceiling.py: the closed-vocabulary oracle writes the reference with the fewest unknown
words, without them, and scores it with the recipe's metrics."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import captioning_vocabulary_ceiling as ceiling_bench  # noqa: E402

from rnnhub.captioning.data import train_caption_tokenizer  # noqa: E402


def test_the_oracle_drops_only_unknown_words_and_picks_the_most_writable_reference():
    tokenizer = train_caption_tokenizer(
        ["grinning face", "grinning cat face holding hands", "people holding hands"]
    )
    assert ceiling_bench.producible(tokenizer, "people walking") == ("people", 1)
    references = [
        ["grinning cat face holding hands"],  # every word known: the oracle is exact
        [
            "man walking",
            "person holding hands",
        ],  # two unknown words against one: the second, without "person"
        ["astronaut"],  # nothing writable
    ]
    result = ceiling_bench.ceiling(tokenizer, references)
    assert result["images"] == 3 and result["images_whose_best_reference_has_unknown_words"] == 2
    assert result["oracle"]["exact_match"] == round(1 / 3, 4)
    assert dict(result["most_frequent_missing_words"]) == {"person": 1, "astronaut": 1}
    assert 0 < result["oracle"]["bleu"] < 100
