"""ULMFiT's schedule (rnnhub.engine.layer_groups): layer groups, discriminative learning rates per group, which
parameters train in each epoch of gradual unfreezing, and both through a real fine-tune."""

import pytest
import torch
from transformers import TrainingArguments

from builders import make_causal_lm, make_classifier, sentiment_rows, write_rows
from rnnhub import RnnHubConfig, RnnHubForCausalLM, RnnHubForSequenceClassification
from rnnhub.engine.layer_groups import (
    discriminative_param_groups,
    gradual_unfreezing_callback,
    layer_group_names,
    layer_groups,
    trainable_groups,
)
from rnnhub.sentiment.train import _optimizer, finetune


def two_layer_classifier(**config):
    return RnnHubForSequenceClassification(
        RnnHubConfig(
            vocab_size=20,
            cell_type="lstm",
            embedding_size=4,
            hidden_size=3,
            num_hidden_layers=2,
            bidirectional=True,
            **config,
        )
    )


def names(group):
    return sorted(name for name, _ in group)


def test_groups_are_embeddings_each_recurrent_layer_and_the_head():
    model = two_layer_classifier(bigram_buckets=5)
    groups = layer_groups(model)
    assert layer_group_names(model) == ["embeddings", "recurrent layer 0", "recurrent layer 1", "head"]
    assert names(groups[0]) == ["rnnhub.bigram_embeddings.weight", "rnnhub.embeddings.weight"]
    assert all(name.endswith(("_l0", "_l0_reverse")) for name in names(groups[1])) and len(groups[1]) == 8
    assert all(name.endswith(("_l1", "_l1_reverse")) for name in names(groups[2])) and len(groups[2]) == 8
    assert names(groups[3]) == ["classifier.bias", "classifier.weight"]
    assert sum(len(g) for g in groups) == len(list(model.parameters()))


def test_discriminative_rates_divide_by_the_factor_per_group_below_the_head():
    model = two_layer_classifier()
    groups = discriminative_param_groups(model, 0.01, 2.6)
    assert [g["name"] for g in groups] == layer_group_names(model)
    assert [g["lr"] for g in groups] == pytest.approx([0.01 / 2.6**3, 0.01 / 2.6**2, 0.01 / 2.6, 0.01])
    # Frozen parameters (e.g. --freeze-vectors) are not handed to the optimizer.
    model.rnnhub.embeddings.weight.requires_grad_(False)
    assert discriminative_param_groups(model, 0.01, 2.6)[0]["params"] == []
    with pytest.raises(ValueError, match="at least 1"):
        discriminative_param_groups(model, 0.01, 0.5)


def test_the_optimizer_is_trainers_own_with_a_rate_per_group(tmp_path):
    model = two_layer_classifier()
    args = TrainingArguments(output_dir=str(tmp_path), learning_rate=0.004, report_to="none", use_cpu=True)
    optimizer = _optimizer(model, args, 2.0)
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([0.0005, 0.001, 0.002, 0.004])
    assert sum(len(g["params"]) for g in optimizer.param_groups) == len(list(model.parameters()))
    assert _optimizer(model, args, None) is None  # Trainer makes its own


def test_unfreezing_schedule_adds_one_group_per_epoch_from_the_top():
    assert [list(trainable_groups(4, epoch)) for epoch in range(5)] == [
        [3],
        [2, 3],
        [1, 2, 3],
        [0, 1, 2, 3],
        [0, 1, 2, 3],
    ]


class _State:
    def __init__(self, epoch):
        self.epoch = epoch


def test_the_callback_sets_which_parameters_train_in_each_epoch_and_keeps_frozen_ones_frozen():
    model = two_layer_classifier()
    model.rnnhub.embeddings.weight.requires_grad_(False)  # frozen vectors
    callback = gradual_unfreezing_callback(model)
    groups = layer_groups(model)

    def trainable():
        return [any(p.requires_grad for _, p in group) for group in groups]

    callback.on_train_begin(None, _State(0.0), None)
    assert trainable() == [False, False, False, True]
    callback.on_step_begin(None, _State(0.5), None)
    assert trainable() == [False, False, False, True]
    callback.on_step_begin(None, _State(0.9999999999), None)  # the float epoch at an epoch's last step
    assert trainable() == [False, False, True, True]
    callback.on_step_begin(None, _State(2.0), None)
    assert trainable() == [False, True, True, True]
    callback.on_step_begin(None, _State(3.0), None)
    assert trainable() == [False, True, True, True]  # the frozen embeddings stay frozen
    callback.on_train_end(None, _State(3.0), None)
    assert all(p.requires_grad for _, p in groups[1] + groups[2] + groups[3])
    assert not model.rnnhub.embeddings.weight.requires_grad


def test_a_resumed_run_starts_at_its_epochs_stage():
    model = two_layer_classifier()
    callback = gradual_unfreezing_callback(model)
    callback.on_train_begin(None, _State(2.0), None)
    assert [any(p.requires_grad for _, p in g) for g in layer_groups(model)] == [False, True, True, True]


def test_a_model_without_recurrent_layers_is_refused():
    with pytest.raises(ValueError, match="no embeddings or no recurrent layers"):
        layer_groups(torch.nn.Linear(2, 2))


# ---------------------------------------------------------------------------------------------------------------
# Through finetune: the frozen groups' weights do not move


def _weights(folder):
    model = RnnHubForSequenceClassification.from_pretrained(folder)
    return {name: tensor.clone() for name, tensor in model.state_dict().items()}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_rows(tmp_path_factory.mktemp("data") / "reviews.csv", sentiment_rows(40))


def _tune(source, data, out, epochs, **options):
    return finetune(
        source,
        data,
        text_column="review",
        label_column="sentiment",
        output_dir=out,
        epochs=epochs,
        batch_size=8,
        learning_rate=0.05,
        early_stopping_patience=None,
        gradual_unfreezing=True,
        training_arguments={"load_best_model_at_end": False},  # the last epoch's weights, not the best one's
        **options,
    )


def test_gradual_unfreezing_in_finetune_trains_the_head_first_then_the_layer_below(data, tmp_path):
    source = make_classifier(tmp_path / "source")  # one GRU layer: embeddings, recurrent layer 0, head
    before = _weights(source)
    _tune(source, data, tmp_path / "one", epochs=1, layer_lr_decay=2.6)
    after_one = _weights(tmp_path / "one")
    moved = {name for name in before if not torch.equal(before[name], after_one[name])}
    assert moved == {"classifier.weight", "classifier.bias"}, "epoch 0 trains the head only"

    _tune(source, data, tmp_path / "two", epochs=2)
    after_two = _weights(tmp_path / "two")
    moved = {name for name in before if not torch.equal(before[name], after_two[name])}
    assert "rnnhub.embeddings.weight" not in moved, "epoch 1 leaves the embeddings frozen"
    assert {"classifier.weight", "rnnhub.recurrent.rnn.weight_hh_l0"} <= moved

    report = (tmp_path / "one" / "eval_report.json").read_text()
    assert '"gradual_unfreezing": true' in report and '"layer_lr_decay": 2.6' in report
    assert "gradual unfreezing" in (tmp_path / "one" / "README.md").read_text()


def test_a_language_model_start_with_the_ulmfit_schedule_and_concat_pooling(data, tmp_path):
    lm = make_causal_lm(tmp_path / "lm")
    result = _tune(lm, data, tmp_path / "out", epochs=3, layer_lr_decay=2.6, pooling="concat")
    tuned = RnnHubForSequenceClassification.from_pretrained(tmp_path / "out")
    assert result.head == "new" and tuned.config.pooling == "concat"
    assert tuned.classifier.in_features == 3 * tuned.config.hidden_size
    # After epoch 2 every group has trained.
    start = RnnHubForSequenceClassification(tuned.config)
    start.rnnhub.load_state_dict(RnnHubForCausalLM.from_pretrained(lm).rnnhub.state_dict())
    assert not torch.equal(tuned.rnnhub.embeddings.weight, start.rnnhub.embeddings.weight)
