"""The card's samples: best, median and worst by per-image CIDEr-D, ties broken by a seeded order, no row twice;
and the per-image CIDEr-D they rank by."""

import pytest

from rnnhub.captioning.card_results import dataset_split, goals_text
from rnnhub.captioning.metrics import cider, cider_per_image, content_hits
from rnnhub.captioning.samples import choose_rows

REFERENCES = [
    ["a black cat"],
    ["a white dog"],
    ["a black dog"],
    ["a red bird"],
    ["a green frog"],
    ["a blue fish"],
]


def test_per_image_cider_averages_to_the_corpus_score():
    hypotheses = ["a black dog", "a white dog", "a black dog", "a bird", "x", "y"]
    corpus, per_image = cider_per_image(hypotheses, REFERENCES)
    assert corpus == pytest.approx(sum(per_image) / len(per_image)) and corpus == cider(
        hypotheses, REFERENCES
    )
    assert per_image[1] > per_image[0] > per_image[4] == 0.0


def test_content_hits_per_image():
    assert content_hits(["a cat", "the of"], [["black cat"], ["the thing of it"]]) == [True, False]


def test_best_median_and_worst_are_chosen_by_score_with_seeded_ties():
    hypotheses = ["a black cat", "a white dog", "a black dog", "a red", "x", "y"]
    rows = choose_rows(hypotheses, REFERENCES, per_kind=1)
    assert [kind for _, kind, _ in rows] == ["best", "median", "worst"]
    scores = cider_per_image(hypotheses, REFERENCES)[1]
    best, median, worst = (index for index, _, _ in rows)
    assert scores[best] == max(scores) and scores[worst] == min(scores) == 0.0
    assert sorted(scores, reverse=True)[len(scores) // 2] == pytest.approx(scores[median])
    assert choose_rows(hypotheses, REFERENCES, per_kind=1) == rows  # the same seed, the same tie-break
    other_seeds = {choose_rows(hypotheses, REFERENCES, per_kind=1, seed=s)[-1][0] for s in range(8)}
    assert other_seeds == {4, 5}  # "x" and "y" tie at 0: the seed decides which is "worst"


def test_few_images_are_shown_once_and_bad_sizes_are_refused():
    rows = choose_rows(["a black cat", "a dog"], REFERENCES[:2], per_kind=2)
    assert sorted(index for index, _, _ in rows) == [0, 1]
    assert choose_rows(["a cat"], [["a cat"]]) == [(0, "best", None)]
    with pytest.raises(ValueError, match="per_kind"):
        choose_rows(["a", "b"], [["a"], ["b"]], per_kind=0)


def test_split_names_map_to_their_corpus_and_the_goals_are_judged_from_the_numbers():
    assert dataset_split("clipart-captions/test") == ("clipart-captions", "test")
    assert dataset_split("test_variants") == ("emoji-captions", "test_variants")
    scores = {"greedy": {"bleu": 46.0}, "beam3": {"bleu": 40.0}}
    report = {
        "recipe": {"settings": {"num_beams": 3}},
        "metrics": {
            "test": scores,
            "clipart-captions/test": {"greedy": {"bleu": 9.0}, "beam3": {"bleu": 9.9}},
        },
        "baseline": {"metrics": {"clipart-captions/test": {"bleu": 6.5}}},
    }
    text = goals_text(report)
    assert "**Met**: 46.0" in text and "i.e. 9.8. **Met**: 9.9, above retrieval" in text
    report["metrics"]["clipart-captions/test"]["beam3"]["bleu"] = 5.0
    assert "**Not met**: 9.0, above retrieval itself" in goals_text(report)
