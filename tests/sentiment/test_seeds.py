"""rnnhub.sentiment.seeds and recipe.train_seeds: the spread of several seeds, the seed published, and its card."""

import json
import statistics

import pytest
from safetensors.torch import load_file

from builders import sentiment_corpus
from rnnhub.cli import main
from rnnhub.sentiment.recipe import train_seeds
from rnnhub.sentiment.seeds import seeds_dir, spread, spread_line


def report(validation: float, test: float) -> dict:
    return {
        "metrics": {
            "validation": {"accuracy": validation, "macro_f1": validation - 0.01},
            "test": {"accuracy": test, "macro_f1": test - 0.01},
        }
    }


def test_the_spread_is_the_mean_and_sample_std_and_the_seed_nearest_the_mean_is_chosen():
    entry = spread({0: report(0.80, 0.81), 1: report(0.79, 0.80), 2: report(0.83, 0.79)})
    assert entry["seeds"] == [0, 1, 2]
    assert entry["summary"]["test"]["accuracy"]["mean"] == pytest.approx(0.80)
    assert entry["summary"]["test"]["accuracy"]["std"] == pytest.approx(
        statistics.stdev([0.81, 0.80, 0.79]), abs=1e-4
    )
    # Mean validation accuracy 0.8067: seed 0 (0.80) is nearest; test plays no part in the choice.
    assert entry["chosen"] == 0
    assert "0.8000 ± 0.0100 accuracy" in spread_line(entry)


def test_a_tie_goes_to_the_lower_seed_and_one_seed_is_no_spread():
    assert spread({3: report(0.80, 0.7), 1: report(0.82, 0.9)})["chosen"] == 1
    with pytest.raises(ValueError, match="at least 2 seeds"):
        spread({0: report(0.8, 0.8)})


def test_train_seeds_publishes_the_chosen_seed_with_the_spread_in_its_report_and_card(tmp_path):
    output = tmp_path / "lstm-seeds-test"
    entry = train_seeds(
        "rt-sentiment-en",
        cell_type="lstm",
        output_dir=output,
        seeds=(0, 1),
        data=sentiment_corpus(),
        epochs=1,
        hidden_size=8,
        embedding_size=8,
        threads=1,
    )
    chosen = seeds_dir(output) / f"seed-{entry['chosen']}"
    published, original = load_file(output / "model.safetensors"), load_file(chosen / "model.safetensors")
    assert published.keys() == original.keys() and all((published[k] == original[k]).all() for k in published)
    saved = json.loads((output / "eval_report.json").read_text())
    assert saved["seeds"] == entry and saved["seed"] == entry["chosen"]
    card = (output / "README.md").read_text()
    assert "## Seeds" in card and "(published)" in card and "mean ± std" in card
    assert spread_line(entry) in card


def test_train_seeds_refuses_repeated_or_single_seeds(tmp_path):
    for seeds in ((0,), (1, 1)):
        with pytest.raises(ValueError, match="at least 2 different seeds"):
            train_seeds(
                "rt-sentiment-en",
                cell_type="lstm",
                output_dir=tmp_path / "m",
                seeds=seeds,
                data=sentiment_corpus(),
            )


def test_the_command_refuses_seed_and_seeds_together(tmp_path, capsys):
    code = main(
        [
            "train",
            "sentiment",
            "--corpus",
            "rt-sentiment-en",
            "--cell",
            "lstm",
            "--output",
            str(tmp_path / "m"),
        ]
        + ["--seed", "3", "--seeds", "0", "1"]
    )
    assert code != 0 and "--seed or --seeds" in capsys.readouterr().err
