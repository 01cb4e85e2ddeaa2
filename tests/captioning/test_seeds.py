"""rnnhub.captioning.seeds: other seeds' rows beside the published captioner, checked to be the same recipe."""

import copy
import json
import shutil
from pathlib import Path

import pytest

from rnnhub.captioning.card_results import seed_row, seeds_section
from rnnhub.captioning.cli import main
from rnnhub.captioning.seeds import record_seeds

PUBLISHED = Path(__file__).resolve().parents[2] / "model_cards" / "lstm-captioning-emoji"
RUNS = Path(__file__).resolve().parents[2] / "docs" / "captioning-runs"


def report(seed: int, selection: float, test: float, **settings) -> dict:
    metrics = {
        split: {"greedy": {"bleu": value}, "beam3": {"bleu": 0.0}}
        for split, value in (("validation", 50.0), ("validation_variants", 80.0), ("test", test))
    }
    return {
        "seed": seed,
        "best_step": 20,
        "history": [
            {"step": 10, "eval_bleu": selection - 5},
            {"step": 20, "eval_bleu": selection},
            {"step": 20},
        ],
        "metrics": metrics,
        "recipe": {"settings": {"epochs": 25.0, **settings}},
    }


def test_a_row_holds_the_selection_score_at_the_best_step_and_each_splits_greedy_bleu():
    row = seed_row(report(3, 60.0, 35.0))
    assert row == {
        "seed": 3,
        "selection": 60.0,
        "validation": 50.0,
        "validation_variants": 80.0,
        "test": 35.0,
    }


def test_the_section_shows_every_seed_and_the_mean_and_sample_std():
    published = {**report(1, 63.0, 37.0), "seeds": {"others": [seed_row(report(0, 59.0, 33.0))]}}
    section = seeds_section(published)
    assert "| 1 (published) | 63.0 | 50.0 | 80.0 | 37.0 |" in section
    assert "| mean ± std of 2 | 61.0 ± 2.8 | 50.0 ± 0.0 | 80.0 ± 0.0 | 35.0 ± 2.8 |" in section
    assert "the seed with the best selection score" in section
    published["seed"], published["seeds"]["others"][0]["selection"] = 1, 70.0
    assert "seed 0 has the best selection score" in seeds_section(published)


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "lstm-captioning-emoji"
    shutil.copytree(PUBLISHED, target)
    return target


def test_recording_the_published_folders_other_seeds_adds_them_to_its_report_and_card(folder, capsys):
    reports = [RUNS / "published-seed0.json", RUNS / "published-seed2.json"]
    assert main(["captioning-seeds", str(folder), *map(str, reports)]) == 0
    assert "Recorded seeds 0, 2" in capsys.readouterr().out
    saved = json.loads((folder / "eval_report.json").read_text())
    assert [row["seed"] for row in saved["seeds"]["others"]] == [0, 2]
    assert (
        saved["seeds"]["others"][1]["test"]
        == json.loads(reports[1].read_text())["metrics"]["test"]["greedy"]["bleu"]
    )
    card = (folder / "README.md").read_text()
    assert "## Seeds" in card and f"| {saved['seed']} (published) |" in card and "mean ± std of 3" in card


def test_another_recipe_or_the_folders_own_seed_is_refused_and_nothing_is_written(folder, tmp_path):
    before = (folder / "eval_report.json").read_text()
    other = json.loads((RUNS / "published-seed2.json").read_text())
    changed = copy.deepcopy(other)
    changed["recipe"]["settings"]["hidden_size"] = 512
    (tmp_path / "other.json").write_text(json.dumps(changed))
    with pytest.raises(ValueError, match="another recipe than the published folder .*hidden_size"):
        record_seeds(folder, [tmp_path / "other.json"])
    own = {**other, "seed": json.loads(before)["seed"]}
    (tmp_path / "own.json").write_text(json.dumps(own))
    with pytest.raises(ValueError, match="the published folder's own seed"):
        record_seeds(folder, [tmp_path / "own.json"])
    with pytest.raises(ValueError, match="A seed is given twice"):
        record_seeds(folder, [RUNS / "published-seed2.json", RUNS / "published-seed2.json"])
    assert (folder / "eval_report.json").read_text() == before
