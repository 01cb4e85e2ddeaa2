"""``rnnhub train captioning-rescore``: a trained tiny folder scored again without training: the weights untouched,
every metric on every split, a corpus it never trained on scored next to two retrievals, the samples by the rule,
the card rebuilt with the goals; and the refusals."""

import hashlib
import json
import shutil

import pytest
from huggingface_hub import ModelCard

from builders import TINY_SETTINGS, caption_splits, extra_caption_corpus
from rnnhub.captioning.cli import main
from rnnhub.captioning.recipe import train_captioning
from rnnhub.captioning.rescore import rescore_captioning
from rnnhub.captioning.samples import KINDS

OTHER = "tiny-clipart"
METRICS = {"bleu", "chrf", "cider", "exact_match", "content_hit"}


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rescore") / "tiny-captioner"
    train_captioning(output_dir=folder, data=caption_splits(), seed=0, model_id="me/tiny", **TINY_SETTINGS)
    return folder


@pytest.fixture(scope="module")
def rescored(trained, tmp_path_factory):
    folder = tmp_path_factory.mktemp("rescored") / "tiny-captioner"
    shutil.copytree(trained, folder)
    before = json.loads((folder / "eval_report.json").read_text())
    kept = {
        p.name: sha256(p)
        for p in folder.iterdir()
        if p.name not in ("eval_report.json", "README.md", "samples.png")
    }
    report = rescore_captioning(
        folder,
        data=caption_splits(),
        evaluate_corpora=[OTHER],
        extra_data={OTHER: extra_caption_corpus()},
        command="rnnhub train captioning-rescore tiny",
    )
    return folder, before, kept, report


def test_the_weights_and_every_model_file_stay_byte_identical(rescored):
    folder, _, kept, report = rescored
    assert {name: sha256(folder / name) for name in kept} == kept
    assert report["recipe"]["rescored"]["model_safetensors_sha256"] == kept["model.safetensors"]


def test_the_same_model_gives_the_same_scores_and_the_training_facts_are_kept(rescored):
    _, before, _, report = rescored
    for split, by_mode in before["metrics"].items():
        for mode, scores in by_mode.items():
            assert report["metrics"][split][mode]["bleu"] == scores["bleu"], (split, mode)
            assert report["metrics"][split][mode]["exact_match"] == scores["exact_match"]
    for key in ("history", "train_time_s", "total_time_s", "epochs_trained", "best_step", "decoding", "seed"):
        assert report[key] == before[key], key
    assert report["recipe"]["command"] == before["recipe"]["command"]
    assert report["recipe"]["rescored"]["command"] == "rnnhub train captioning-rescore tiny"


def test_every_split_has_every_metric_and_the_unseen_corpus_two_retrievals(rescored):
    folder, _, _, report = rescored
    assert json.loads((folder / "eval_report.json").read_text()) == report
    assert set(report["metrics"]) == {"validation", "test", "test_variants", f"{OTHER}/test"}
    for by_mode in report["metrics"].values():
        assert set(by_mode) == {"greedy", "beam3"}
        assert all(set(scores) == METRICS for scores in by_mode.values())
    baseline = report["baseline"]
    assert set(baseline["metrics"]) == {"test", "test_variants", f"{OTHER}/test"}
    assert "predictions" not in baseline and report["recipe"]["evaluation_corpora"] == [OTHER]
    facts = baseline["evaluation_corpora"][OTHER]
    assert facts["retrieves_from"] == f"{OTHER} train (6 images)"
    assert facts["from_model_training"]["retrieves_from"] == "the model's train split (18 images)"
    # Retrieval from the corpus' own train split can only name its own captions ("drawing of a ..."); from the
    # model's training pictures only the shapes' captions ("a red circle").
    own = {s["retrieval"] for s in report["samples"] if s["split"] == f"{OTHER}/test"}
    assert own and all(caption.startswith("drawing of a ") for caption in own)
    assert set(facts["from_model_training"]["metrics"]) == {f"{OTHER}/test"}
    assert report["rows"][f"{OTHER}/test"] == 2 and report["rows"]["train"] == 18


def test_the_samples_follow_the_rule_on_every_test_split(rescored):
    _, _, _, report = rescored
    by_split = {}
    for sample in report["samples"]:
        by_split.setdefault(sample["split"], []).append(sample)
    assert set(by_split) == {"test", "test_variants", f"{OTHER}/test"}
    for split, samples in by_split.items():
        assert len({s["index"] for s in samples}) == len(samples)
        kinds = [s["kind"] for s in samples]
        assert kinds == sorted(kinds, key=KINDS.index) and kinds[0] == "best"
        scores = [s["cider"] for s in samples]
        assert scores[0] == max(scores) and scores[-1] == min(scores), split
        assert {"references", "greedy", "beam", "retrieval"} <= set(samples[0])


def test_the_card_shows_every_test_split_next_to_retrieval_and_the_goals(rescored):
    folder, _, _, report = rescored
    card = ModelCard.load(folder / "README.md")
    results = {
        (r.dataset_type, r.dataset_split, r.metric_name): r.metric_value for r in card.data.eval_results
    }
    assert (
        results[(f"<org>/{OTHER}", "test", "CIDEr-D (greedy)")]
        == report["metrics"][f"{OTHER}/test"]["greedy"]["cider"]
    )
    assert (
        results[("<org>/emoji-captions", "test", "Content-word hit rate (beam 3)")]
        == (report["metrics"]["test"]["beam3"]["content_hit"])
    )
    assert card.data.datasets == ["<org>/emoji-captions"]  # evaluated on, not trained on
    text = card.text
    assert (
        "## Every test split next to retrieval" in text and f"retrieval from {OTHER} train (6 images)" in text
    )
    assert "BLEU-4 of at least 45" in text and "ties broken by a random order with seed 0" in text
    assert "Scored by `rnnhub train captioning-rescore tiny`" in text and "![samples](samples.png)" in text
    assert (folder / "samples.png").stat().st_size > 0


def test_a_folder_without_a_recipe_report_or_with_another_train_split_is_refused(trained, tmp_path):
    with pytest.raises(ValueError, match="eval_report.json"):
        rescore_captioning(tmp_path)
    copy = tmp_path / "copy"
    shutil.copytree(trained, copy)
    smaller = caption_splits()
    smaller["train"] = smaller["train"].select(range(10))
    with pytest.raises(ValueError, match="trained on 18 images, but the train split now has 10"):
        rescore_captioning(copy, data=smaller, evaluate_corpora=[])


def test_the_command_line_reports_a_missing_folder(tmp_path, capsys):
    assert main(["captioning-rescore", str(tmp_path / "nothing")]) == 2
    assert "eval_report.json" in capsys.readouterr().err


def test_the_command_line_passes_its_options_and_prints_every_split(rescored, monkeypatch, capsys):
    _, _, _, report = rescored
    calls = {}

    def fake(folder, **options):
        calls.update(folder=folder, **options)
        return report

    monkeypatch.setattr("rnnhub.captioning.rescore.rescore_captioning", fake)
    assert main(["captioning-rescore", "some/folder", "--evaluate", "a,b", "--threads", "1"]) == 0
    assert calls == {
        "folder": "some/folder",
        "evaluate_corpora": ("a", "b"),
        "threads": 1,
        "command": "rnnhub train captioning-rescore some/folder --evaluate a,b --threads 1",
    }
    printed = capsys.readouterr().out.splitlines()
    assert sum(line.split()[:2] == [f"{OTHER}/test", "nn"] for line in printed) == 1
    assert sum(line.split()[:1] == ["test"] for line in printed) == 3  # greedy, beam3, nn
