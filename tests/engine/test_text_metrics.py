import pytest
import sacrebleu

from rnnhub.engine.text_metrics import corpus_bleu, corpus_chrf, exact_match


def test_bleu_matches_sacrebleu_with_one_reference_each():
    hyps = ["the cat sat on the mat", "a dog barked at night"]
    refs = ["the cat sat on the mat", "the dog barked all night"]
    expected = sacrebleu.corpus_bleu(hyps, [refs]).score
    assert corpus_bleu(hyps, refs) == pytest.approx(expected)
    assert corpus_bleu(hyps[:1], refs[:1]) == pytest.approx(100.0)


def test_bleu_with_unequal_numbers_of_references_uses_every_reference():
    hyps = ["a cat sat on a mat", "grinning face"]
    one = corpus_bleu(hyps, [["the cat sat on the mat"], ["grinning face with big eyes"]])
    more = corpus_bleu(
        hyps, [["the cat sat on the mat", "a cat sat on a mat"], ["grinning face with big eyes"]]
    )
    assert more > one


def test_chinese_bleu_needs_the_zh_tokenizer():
    hyps, refs = ["我们爱猫"], ["我们爱狗"]
    assert corpus_bleu(hyps, refs, tokenize="zh") > corpus_bleu(hyps, refs)
    assert 0 < corpus_chrf(hyps, refs) < 100


def test_exact_match_ignores_case_and_spacing_and_accepts_any_reference():
    assert exact_match(
        ["Grinning  Face", "x", "cat"], [["grinning face"], "y", ["dog", "CAT"]]
    ) == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    "call",
    [
        lambda: corpus_bleu(["a"], ["a", "b"]),
        lambda: corpus_bleu([], []),
        lambda: corpus_bleu(["a"], ["a"], tokenize="moses"),
        lambda: corpus_chrf("abc", "abc"),
        lambda: exact_match(["a"], [[]]),
    ],
)
def test_bad_arguments_say_what_is_wrong(call):
    with pytest.raises(ValueError):
        call()
