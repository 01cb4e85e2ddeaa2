"""The tables behind the demo's native line and bar plots (rnnhub.demo.plots), and their component settings."""

import gradio as gr
import pytest

from rnnhub.demo import plots

TRACE = {
    "tokens": ["not", "bad", "not"],
    "labels": ["negative", "positive"],
    "probabilities": [[0.7, 0.3], [0.2, 0.8], [0.4, 0.6]],
}


def test_token_axis_is_unique_and_sorts_in_reading_order():
    assert plots.token_axis(["not", "bad", "not"]) == ["1 not", "2 bad", "3 not"]
    labels = plots.token_axis([f"t{i}" for i in range(12)])
    assert labels[0] == "01 t0" and labels[-1] == "12 t11"
    assert sorted(labels) == labels and len(set(labels)) == 12  # the browser sorts x labels as text


def test_belief_curve_has_one_series_per_label_in_token_order():
    table = plots.belief_curve(TRACE)
    assert list(table.columns) == ["step", "token", "label", "probability"]
    assert list(table["label"].unique()) == ["P(negative)", "P(positive)"]
    positive = table[table["label"] == "P(positive)"]
    assert list(positive["token"]) == ["1 not", "2 bad", "3 not"]
    assert list(positive["probability"]) == [0.3, 0.8, 0.6] and list(positive["step"]) == [1, 2, 3]
    assert set(table["label"]) == set(plots.BELIEF_PLOT["color_map"])


def test_compare_curves_takes_the_label_asked_for_or_the_last_one():
    other = {**TRACE, "labels": ["bad", "good"]}  # no "positive": its last label stands in
    table = plots.compare_curves({"lstm": TRACE, "rnn": other})
    assert list(table["cell"].unique()) == ["lstm", "rnn"]
    assert list(table[table["cell"] == "lstm"]["probability"]) == [0.3, 0.8, 0.6]
    assert list(table[table["cell"] == "rnn"]["probability"]) == [0.3, 0.8, 0.6]
    negative = plots.compare_curves({"gru": TRACE}, label="negative")
    assert list(negative["probability"]) == [0.7, 0.2, 0.4]


def test_memory_bars_end_with_chance():
    rows = [
        {"variant": "rnn", "accuracy": 0.25, "distractors": 9},
        {"variant": "lstm", "accuracy": 1.0, "distractors": 9},
    ]
    table = plots.memory_bars(rows, 0.25)
    assert list(table["variant"]) == ["rnn", "lstm", "chance"]
    assert list(table["kind"]) == ["trained", "trained", "chance"] and set(table["distractors"]) == {9}
    assert list(plots.memory_bars([], 0.5)["variant"]) == ["chance"]


@pytest.mark.parametrize(
    ("component", "settings", "table"),
    [
        (gr.LinePlot, plots.BELIEF_PLOT, plots.belief_curve(TRACE)),
        (gr.LinePlot, plots.COMPARE_PLOT, plots.compare_curves({"lstm": TRACE, "gru": TRACE})),
        (
            gr.BarPlot,
            plots.MEMORY_PLOT,
            plots.memory_bars([{"variant": "gru", "accuracy": 0.5, "distractors": 3}], 0.25),
        ),
    ],
)
def test_the_settings_name_the_tables_columns_and_gradio_draws_them(component, settings, table):
    columns = {settings["x"], settings["y"], settings["color"], *settings["tooltip"]}
    assert columns <= set(table.columns)
    assert set(table[settings["color"]]) <= set(settings["color_map"])
    data = component(**settings).postprocess(table)
    assert data.columns == list(table.columns) and len(data.data) == len(table)
    assert data.datatypes[settings["x"]] == "nominal" and data.datatypes[settings["y"]] == "quantitative"
