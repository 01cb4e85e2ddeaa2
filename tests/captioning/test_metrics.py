"""Caption metrics: CIDEr-D against a hand-computed example, the content-word hit rate, BLEU/chrF with several
references, and the errors for malformed input."""

from __future__ import annotations

import math

import pytest

from rnnhub.captioning.evaluate import caption_scores
from rnnhub.captioning.metrics import (
    STOP_WORDS,
    caption_metrics,
    cider,
    content_hit_rate,
    content_words,
    words,
)

# Three images, one reference each; document frequencies over these references:
# a: 3, black: 2, dog: 2, cat: 1, white: 1; bigrams "a black": 2, the rest 1.
REFERENCES = [["a black cat"], ["a white dog"], ["a black dog"]]


def test_cider_matches_a_hand_computed_example() -> None:
    # Image 1: "a black dog" for "a black cat". idf = log(3 / df): a -> 0, black, dog -> log 1.5, cat -> log 3.
    # 1-grams: only "black" is shared:  cos = l15^2 / (sqrt(2) l15 * sqrt(l15^2 + l3^2))
    # 2-grams: only "a black" is shared: cos = l15^2 / (l15^2 + l3^2)  ("black dog" and "black cat" have idf l3)
    # 3-grams: no overlap; 4-grams: none. Same length, no penalty. CIDEr-D = 10 * mean over n of the cosines.
    l15, l3 = math.log(1.5), math.log(3.0)
    first = 10 * (l15 / (math.sqrt(2) * math.sqrt(l15**2 + l3**2)) + l15**2 / (l15**2 + l3**2)) / 4
    # Images 2 and 3 are captioned exactly: cosine 1 for 1-, 2- and 3-grams, no 4-grams: 10 * 3 / 4.
    expected = 100 * (first + 7.5 + 7.5) / 3
    hypotheses = ["a black dog", "a white dog", "a black dog"]
    assert cider(hypotheses, REFERENCES) == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(530.39, abs=0.01)


def test_cider_ignores_case_and_punctuation_and_needs_two_images() -> None:
    assert cider(["A Black dog.", "a white DOG", "a black dog!"], REFERENCES) == pytest.approx(
        cider(["a black dog", "a white dog", "a black dog"], REFERENCES)
    )
    assert cider(["a cat", "a dog"], [["a dog"], ["a cat"]]) == 0.0
    with pytest.raises(ValueError, match="at least two images"):
        cider(["a cat"], [["a cat"]])


def test_content_words_leave_out_stop_words() -> None:
    assert words("A frog's leg, 2 toes.") == ["a", "frog's", "leg", "2", "toes"]
    assert content_words("the cat with a hat on it") == {"cat", "hat"}
    assert {"a", "the", "with", "of", "and"} <= STOP_WORDS and "face" not in STOP_WORDS


def test_content_hit_rate_counts_images_that_name_something_there() -> None:
    hypotheses = ["a grinning cat", "a face with tears", "the of with", "green leaf"]
    references = [["cat face"], ["grinning face", "smiling face"], ["the thing of it"], ["red flower"]]
    # 1: "cat" is in the reference; 2: "face"; 3: stop words only, nothing counts; 4: no shared word
    assert content_hit_rate(hypotheses, references) == 0.5


def test_caption_metrics_use_every_reference() -> None:
    scores = caption_metrics(
        ["a big red square shape", "the blue circle over here"],
        [["big red square", "a big red square shape"], ["the green circle over here"]],
    )
    assert set(scores) == {"bleu", "chrf", "cider", "exact_match", "content_hit"}
    assert scores["exact_match"] == 0.5 and scores["content_hit"] == 1.0
    assert 0 < scores["bleu"] < 100 and 0 < scores["chrf"] < 100 and scores["cider"] > 0
    perfect = caption_metrics(["x y z w", "a b c d"], [["x y z w"], ["a b c d"]])
    assert perfect["bleu"] == 100.0 and perfect["chrf"] == 100.0 and perfect["exact_match"] == 1.0
    assert caption_metrics(["x y z w"], [["x y z w"]])["cider"] is None


def test_evaluate_reports_the_same_metrics() -> None:
    hypotheses, references = ["a black dog", "a white dog", "a cat"], REFERENCES
    assert caption_scores(hypotheses, references) == caption_metrics(hypotheses, references)


@pytest.mark.parametrize(
    ("hypotheses", "references", "message"),
    [
        (["a"], [["a"], ["b"]], "one caption per image"),
        ("a cat", [["a cat"]], "one caption per image"),
        ([], [], "No captions"),
        (["a", "b"], [["a"], []], "no reference"),
    ],
)
def test_malformed_input_is_refused(hypotheses, references, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        caption_metrics(hypotheses, references)
