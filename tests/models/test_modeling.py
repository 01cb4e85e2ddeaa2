"""The heads: shapes, losses, gradients, padding, step-by-step decoding, overfitting one batch, bad input."""

import pytest
import torch

from rnnhub import (
    RnnHubCaptioningConfig,
    RnnHubConfig,
    RnnHubForCausalLM,
    RnnHubForImageCaptioning,
    RnnHubForSeq2SeqLM,
    RnnHubForSequenceClassification,
    RnnHubModel,
    RnnHubSeq2SeqConfig,
)

CELLS = ["rnn", "gru", "lstm"]
VOCAB, EMB, HIDDEN, DEC_HIDDEN = 23, 6, 5, 7


def classifier_config(cell, bidirectional=False, **kw):
    kw = {"num_hidden_layers": 2, "num_labels": 3, **kw}
    return RnnHubConfig(
        vocab_size=VOCAB,
        cell_type=cell,
        embedding_size=EMB,
        hidden_size=HIDDEN,
        bidirectional=bidirectional,
        **kw,
    )


def seq2seq_config(cell, attention="bahdanau", **kw):
    kw = {"num_hidden_layers": 2, **kw}
    return RnnHubSeq2SeqConfig(
        vocab_size=VOCAB,
        cell_type=cell,
        embedding_size=EMB,
        hidden_size=HIDDEN,
        decoder_hidden_size=DEC_HIDDEN,
        attention_type=attention,
        attention_size=4,
        **kw,
    )


def captioning_config(cell, attention="bahdanau"):
    return RnnHubCaptioningConfig(
        vocab_size=VOCAB,
        cell_type=cell,
        embedding_size=EMB,
        hidden_size=HIDDEN,
        attention_type=attention,
        image_size=16,
        encoder_channels=[4, 6],
    )


def token_batch(batch=4, length=9):
    ids = torch.randint(4, VOCAB, (batch, length))
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0
    mask[3, 2:] = 0
    return ids.masked_fill(mask == 0, 0), mask


def assert_every_parameter_gets_a_gradient(model, loss):
    loss.backward()
    missing = [
        n
        for n, p in model.named_parameters()
        if p.requires_grad and (p.grad is None or p.grad.abs().sum() == 0)
    ]
    assert not missing, f"no gradient reached: {missing}"


# ---------------------------------------------------------------------------------------------------- classification
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", ["last", "mean", "max", "concat"])
def test_classifier_shapes_loss_gradients(cell, bidirectional, pooling):
    model = RnnHubForSequenceClassification(classifier_config(cell, bidirectional, pooling=pooling))
    ids, mask = token_batch()
    out = model(ids, attention_mask=mask, labels=torch.tensor([0, 1, 2, 1]))
    assert out.logits.shape == (4, 3)
    assert torch.isfinite(out.loss)
    assert_every_parameter_gets_a_gradient(model, out.loss)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", ["last", "mean", "max", "concat"])
def test_classifier_padded_batch_equals_each_text_alone(cell, bidirectional, pooling):
    model = RnnHubForSequenceClassification(classifier_config(cell, bidirectional, pooling=pooling)).eval()
    ids, mask = token_batch()
    batched = model(ids, attention_mask=mask).logits
    for row in range(ids.shape[0]):
        alone = model(ids[row : row + 1, mask[row].bool()]).logits
        assert torch.allclose(batched[row], alone[0], atol=1e-5)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_concat_pooling_is_last_max_and_mean_of_the_real_tokens_side_by_side(bidirectional):
    model = RnnHubForSequenceClassification(classifier_config("lstm", bidirectional, pooling="concat")).eval()
    features = HIDDEN * (2 if bidirectional else 1)
    assert model.classifier.in_features == 3 * features
    ids, mask = token_batch()
    # Padding that would win a max or shift a mean if it leaked in.
    outputs = torch.randn(4, 9, features).masked_fill(mask[..., None] == 0, 1e4)
    final = torch.randn(2 * (2 if bidirectional else 1), 4, HIDDEN)
    pooled = model.pool(outputs, final, mask)
    assert pooled.shape == (4, 3 * features)
    for row in range(4):
        real = outputs[row, mask[row].bool()]
        last = torch.cat(list(final[-(2 if bidirectional else 1) :, row]), dim=-1)
        expected = torch.cat([last, real.max(dim=0).values, real.mean(dim=0)])
        torch.testing.assert_close(pooled[row], expected)


def test_old_poolings_keep_their_classifier_size_and_parameters():
    # A config saved before "concat" existed loads into the same parameters (names and shapes).
    for pooling in ("last", "mean", "max"):
        model = RnnHubForSequenceClassification(classifier_config("gru", True, pooling=pooling))
        assert model.classifier.in_features == 2 * HIDDEN
        assert not any("bigram" in name for name, _ in model.named_parameters())


# ------------------------------------------------------------------------------------------------ bigram embeddings
def test_bigram_ids_hash_each_previous_token_and_token_pair():
    model = RnnHubModel(
        RnnHubConfig(vocab_size=VOCAB, embedding_size=EMB, hidden_size=HIDDEN, bigram_buckets=7)
    )
    ids = torch.tensor([[5, 9, 9, 4]])
    # The first token's previous token is <pad> (0).
    expected = [(0 * VOCAB + 5) % 7, (5 * VOCAB + 9) % 7, (9 * VOCAB + 9) % 7, (9 * VOCAB + 4) % 7]
    assert model.bigram_ids(ids).tolist() == [expected]
    assert model.bigram_embeddings.weight.shape == (7, EMB)


def test_bigram_embeddings_are_added_to_the_token_embeddings():
    config = RnnHubConfig(vocab_size=VOCAB, embedding_size=EMB, hidden_size=HIDDEN, bigram_buckets=11)
    model = RnnHubModel(config).eval()
    ids, mask = token_batch()
    with_bigrams = model(ids, attention_mask=mask).last_hidden_state
    embedded = model.embeddings(ids) + model.bigram_embeddings(model.bigram_ids(ids))
    by_hand = model(inputs_embeds=embedded, attention_mask=mask).last_hidden_state
    torch.testing.assert_close(with_bigrams, by_hand)
    with torch.no_grad():
        model.bigram_embeddings.weight.zero_()
    without = model(inputs_embeds=model.embeddings(ids), attention_mask=mask).last_hidden_state
    torch.testing.assert_close(model(ids, attention_mask=mask).last_hidden_state, without)


@pytest.mark.parametrize("pooling", ["max", "concat"])
def test_bigram_classifier_padded_batch_equals_each_text_alone(pooling):
    config = classifier_config("lstm", True, pooling=pooling, bigram_buckets=13)
    model = RnnHubForSequenceClassification(config).eval()
    ids, mask = token_batch()
    batched = model(ids, attention_mask=mask, labels=torch.tensor([0, 1, 2, 1]))
    for row in range(ids.shape[0]):
        alone = model(ids[row : row + 1, mask[row].bool()]).logits
        assert torch.allclose(batched.logits[row], alone[0], atol=1e-5)
    assert_every_parameter_gets_a_gradient(model, batched.loss)


def test_bigram_embeddings_are_refused_for_a_causal_lm():
    config = RnnHubConfig(vocab_size=VOCAB, embedding_size=EMB, hidden_size=HIDDEN, bigram_buckets=5)
    with pytest.raises(ValueError, match="bigram_buckets is for classifiers"):
        RnnHubForCausalLM(config)


def test_classifier_gates_from_the_transparent_path_match_fused_logits():
    model = RnnHubForSequenceClassification(classifier_config("lstm")).eval()
    ids, mask = token_batch()
    fused = model(ids, attention_mask=mask)
    transparent = model(ids, attention_mask=mask, output_gates=True)
    assert torch.allclose(fused.logits, transparent.logits, atol=1e-5)
    assert transparent.gates["forget"].shape == (2, 4, 9, HIDDEN)


def test_classifier_loss_types_follow_problem_type():
    regression = RnnHubForSequenceClassification(classifier_config("gru", num_labels=1))
    ids, mask = token_batch()
    assert torch.isfinite(regression(ids, attention_mask=mask, labels=torch.rand(4)).loss)
    multi = RnnHubForSequenceClassification(
        classifier_config("gru", problem_type="multi_label_classification")
    )
    assert torch.isfinite(multi(ids, attention_mask=mask, labels=torch.randint(0, 2, (4, 3)).float()).loss)


def test_classifier_rejects_unknown_labels_and_out_of_vocab_ids():
    model = RnnHubForSequenceClassification(classifier_config("lstm"))
    ids, mask = token_batch()
    with pytest.raises(ValueError, match=r"class ids in \[0, 3\)"):
        model(ids, attention_mask=mask, labels=torch.tensor([0, 1, 2, 7]))
    with pytest.raises(ValueError, match=r"input_ids must lie in \[0, 23\).*tokenizer"):
        model(torch.tensor([[1, 2, 99]]))
    with pytest.raises(ValueError, match="attention_mask shape"):
        model(ids, attention_mask=mask[:, :3])


def test_classifying_an_empty_text_is_refused_and_training_is_not():
    model = RnnHubForSequenceClassification(classifier_config("gru", num_labels=2))
    ids, mask = token_batch()
    ids[2] = 0
    ids[2, 0] = 2  # "" encodes to <eos> alone, then padding
    mask[2] = 0
    mask[2, 0] = 1
    with pytest.raises(ValueError, match=r"Text 3 is empty \(no tokens besides special ones\)"):
        model(ids, attention_mask=mask)
    with pytest.raises(ValueError, match="Text 1 is empty"):
        model(torch.tensor([[1, 2]]))  # <bos> <eos>, no mask
    with pytest.raises(ValueError, match="Text 1 is empty"):
        model(torch.zeros(1, 0, dtype=torch.long))
    # With labels (Trainer's training and evaluation) the batch runs: rnnhub's data checks refuse empty texts.
    assert model(ids, attention_mask=mask, labels=torch.tensor([0, 1, 0, 1])).loss.isfinite()
    assert model(ids[:2], attention_mask=mask[:2]).logits.shape == (2, 2)


@pytest.mark.parametrize("cell", CELLS)
def test_classifier_overfits_one_batch(cell):
    model = RnnHubForSequenceClassification(classifier_config(cell, num_hidden_layers=1, num_labels=2))
    ids, mask = token_batch(batch=8, length=6)
    labels = torch.tensor([0, 1, 1, 0, 1, 0, 0, 1])
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(60):
        optimizer.zero_grad()
        loss = model(ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05
    assert torch.equal(model(ids, attention_mask=mask).logits.argmax(-1), labels)


# ---------------------------------------------------------------------------------------------------- causal LM
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("tie", [False, True])
def test_causal_lm_loss_gradients_and_step_by_step_equals_full_pass(cell, tie):
    config = RnnHubConfig(
        vocab_size=VOCAB,
        cell_type=cell,
        embedding_size=EMB,
        hidden_size=HIDDEN,
        num_hidden_layers=2,
        tie_word_embeddings=tie,
    )
    model = RnnHubForCausalLM(config)
    ids = torch.randint(4, VOCAB, (3, 8))
    out = model(ids, labels=ids)
    assert out.logits.shape == (3, 8, VOCAB) and torch.isfinite(out.loss)
    assert_every_parameter_gets_a_gradient(model, out.loss)
    if tie:
        assert model.lm_head.weight is model.rnnhub.embeddings.weight

    model.eval()
    full = model(ids).logits
    cache, steps = None, []
    for t in range(ids.shape[1]):
        step = model(ids[:, t : t + 1], cache=cache)
        cache = step.cache
        steps.append(step.logits)
    assert torch.allclose(torch.cat(steps, dim=1), full, atol=1e-5)
    assert cache.seen_tokens == 8


def test_causal_lm_accepts_the_older_cache_argument_name():
    model = RnnHubForCausalLM(RnnHubConfig(vocab_size=VOCAB, embedding_size=EMB, hidden_size=HIDDEN)).eval()
    ids = torch.randint(4, VOCAB, (2, 5))
    first = model(ids[:, :3])
    assert torch.allclose(
        model(ids[:, 3:], past_key_values=first.cache).logits, model(ids[:, 3:], cache=first.cache).logits
    )
    with pytest.raises(ValueError, match="RecurrentCache"):
        model(ids, cache=(torch.zeros(1),))


def test_causal_lm_refuses_bidirectional():
    with pytest.raises(ValueError, match="left to right"):
        RnnHubForCausalLM(RnnHubConfig(bidirectional=True))


def test_causal_lm_ignores_padding_labels():
    model = RnnHubForCausalLM(RnnHubConfig(vocab_size=VOCAB, embedding_size=EMB, hidden_size=HIDDEN))
    ids = torch.randint(4, VOCAB, (2, 6))
    labels = ids.clone()
    labels[:, 4:] = -100
    assert torch.allclose(
        model(ids, labels=labels).loss, model(ids[:, :4], labels=ids[:, :4]).loss, atol=1e-6
    )


# ---------------------------------------------------------------------------------------------------- seq2seq
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("attention", ["bahdanau", "luong", "none"])
def test_seq2seq_loss_gradients_attention(cell, attention):
    model = RnnHubForSeq2SeqLM(seq2seq_config(cell, attention))
    ids, mask = token_batch()
    labels = torch.randint(4, VOCAB, (4, 5))
    labels[0, 3:] = -100
    out = model(ids, attention_mask=mask, labels=labels, output_attentions=True)
    assert out.logits.shape == (4, 5, VOCAB) and torch.isfinite(out.loss)
    if attention == "none":
        assert out.cross_attentions is None
    else:
        weights = out.cross_attentions[0]
        assert weights.shape == (4, 1, 5, 9)
        assert torch.allclose(weights.sum(-1), torch.ones(4, 1, 5), atol=1e-5)
        assert torch.all(weights[1, :, :, 5:] == 0) and torch.all(weights[3, :, :, 2:] == 0), (
            "padding gets no attention"
        )
    assert_every_parameter_gets_a_gradient(model, out.loss)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("attention", ["bahdanau", "luong", "none"])
def test_seq2seq_step_by_step_decoding_equals_teacher_forced_pass(cell, attention):
    model = RnnHubForSeq2SeqLM(seq2seq_config(cell, attention)).eval()
    ids, mask = token_batch()
    decoder_ids = torch.randint(4, VOCAB, (4, 6))
    full = model(ids, attention_mask=mask, decoder_input_ids=decoder_ids).logits
    encoder_outputs = model.get_encoder()(ids, mask)
    cache, steps = None, []
    for t in range(decoder_ids.shape[1]):
        step = model(
            encoder_outputs=encoder_outputs,
            attention_mask=mask,
            decoder_input_ids=decoder_ids[:, t : t + 1],
            cache=cache,
        )
        cache = step.cache
        steps.append(step.logits)
    assert torch.allclose(torch.cat(steps, dim=1), full, atol=1e-5)


def test_seq2seq_padded_source_equals_each_source_alone():
    model = RnnHubForSeq2SeqLM(seq2seq_config("gru", "bahdanau")).eval()
    ids, mask = token_batch()
    decoder_ids = torch.randint(4, VOCAB, (4, 4))
    batched = model(ids, attention_mask=mask, decoder_input_ids=decoder_ids).logits
    for row in range(4):
        alone = model(
            ids[row : row + 1, mask[row].bool()], decoder_input_ids=decoder_ids[row : row + 1]
        ).logits
        assert torch.allclose(batched[row], alone[0], atol=1e-5)


def test_seq2seq_labels_are_shifted_into_decoder_inputs():
    model = RnnHubForSeq2SeqLM(seq2seq_config("lstm")).eval()
    ids, mask = token_batch()
    labels = torch.randint(4, VOCAB, (4, 5))
    shifted = torch.cat([torch.full((4, 1), model.config.decoder_start_token_id), labels[:, :-1]], dim=1)
    a = model(ids, attention_mask=mask, labels=labels).logits
    b = model(ids, attention_mask=mask, decoder_input_ids=shifted).logits
    assert torch.allclose(a, b)
    with pytest.raises(ValueError, match="decoder_input_ids or labels"):
        model(ids, attention_mask=mask)


@pytest.mark.parametrize("cell", CELLS)
def test_seq2seq_overfits_one_batch(cell):
    config = RnnHubSeq2SeqConfig(
        vocab_size=VOCAB, cell_type=cell, embedding_size=16, hidden_size=16, attention_type="luong"
    )
    model = RnnHubForSeq2SeqLM(config)
    ids, mask = token_batch(batch=4, length=6)
    labels = ids[:, :5].flip(1)  # learn to reverse the source
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(100):
        optimizer.zero_grad()
        loss = model(ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05


# ---------------------------------------------------------------------------------------------------- captioning
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("attention", ["bahdanau", "luong", "none"])
def test_captioning_loss_gradients_and_step_decoding(cell, attention):
    model = RnnHubForImageCaptioning(captioning_config(cell, attention))
    pixels = torch.randn(2, 3, 16, 16)
    labels = torch.randint(4, VOCAB, (2, 5))
    out = model(pixel_values=pixels, labels=labels, output_attentions=True)
    assert out.logits.shape == (2, 5, VOCAB) and torch.isfinite(out.loss)
    if attention != "none":
        assert out.cross_attentions[0].shape == (2, 1, 5, 16)  # a 4x4 feature grid
    assert_every_parameter_gets_a_gradient(model, out.loss)

    model.eval()
    decoder_ids = torch.randint(4, VOCAB, (2, 4))
    full = model(pixel_values=pixels, decoder_input_ids=decoder_ids).logits
    encoded = model.get_encoder()(pixels)
    cache, steps = None, []
    for t in range(4):
        step = model(encoder_outputs=encoded, decoder_input_ids=decoder_ids[:, t : t + 1], cache=cache)
        cache, steps = step.cache, [*steps, step.logits]
    assert torch.allclose(torch.cat(steps, dim=1), full, atol=1e-5)


def test_captioning_rejects_wrongly_shaped_images():
    model = RnnHubForImageCaptioning(captioning_config("lstm"))
    with pytest.raises(
        ValueError, match=r"pixel_values must have shape \(batch, 3, 16, 16\).*image processor"
    ):
        model(pixel_values=torch.randn(2, 1, 16, 16), labels=torch.ones(2, 3, dtype=torch.long))


# ---------------------------------------------------------------------------------------------------- init
def test_initialisation_of_recurrent_weights():
    model = RnnHubModel(
        RnnHubConfig(cell_type="lstm", embedding_size=EMB, hidden_size=HIDDEN, forget_bias=1.0)
    )
    rnn = model.recurrent.rnn
    forget = rnn.bias_ih_l0[HIDDEN : 2 * HIDDEN]
    assert torch.all(forget == 1.0) and torch.all(rnn.bias_ih_l0[:HIDDEN] == 0)
    for block in rnn.weight_hh_l0.split(HIDDEN):
        assert torch.allclose(block @ block.T, torch.eye(HIDDEN), atol=1e-5), (
            "recurrent blocks start orthogonal"
        )
    assert torch.all(model.embeddings.weight[0] == 0), "the padding embedding is zero"
    gru = RnnHubModel(RnnHubConfig(cell_type="gru", embedding_size=EMB, hidden_size=HIDDEN)).recurrent.rnn
    assert torch.all(gru.bias_hh_l0 == 0), (
        "GRU/RNN are initialised by rnnhub too, not left to torch's defaults"
    )


# ---------------------------------------------------------------------------------------- return_dict, hidden_states


@pytest.mark.parametrize("bidirectional", [False, True])
def test_hidden_states_are_the_embeddings_then_every_layer(bidirectional):
    model = RnnHubForSequenceClassification(classifier_config("lstm", bidirectional)).eval()
    ids, mask = token_batch()
    out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    embeddings, first, second = out.hidden_states  # 2 layers
    directions = 2 if bidirectional else 1
    assert embeddings.shape == (4, 9, EMB)
    assert first.shape == second.shape == (4, 9, directions * HIDDEN)
    base = model.rnnhub(input_ids=ids, attention_mask=mask)
    torch.testing.assert_close(second, base.last_hidden_state, atol=1e-5, rtol=1e-4)
    # The classifier's logits do not depend on whether the states were asked for.
    torch.testing.assert_close(
        out.logits, model(input_ids=ids, attention_mask=mask).logits, atol=1e-5, rtol=1e-4
    )
    assert model(input_ids=ids, attention_mask=mask).hidden_states is None


def test_seq2seq_returns_the_encoders_hidden_states():
    model = RnnHubForSeq2SeqLM(seq2seq_config("gru", bidirectional=True)).eval()
    ids, mask = token_batch()
    out = model(input_ids=ids, attention_mask=mask, decoder_input_ids=ids[:, :3], output_hidden_states=True)
    assert len(out.encoder_hidden_states) == 3
    assert out.encoder_hidden_states[-1].shape == (4, 9, 2 * HIDDEN)
    assert (
        model(input_ids=ids, attention_mask=mask, decoder_input_ids=ids[:, :3]).encoder_hidden_states is None
    )


def test_return_dict_false_gives_the_fields_as_a_tuple():
    ids, mask = token_batch()
    labels = torch.tensor([0, 1, 2, 1])
    classifier = RnnHubForSequenceClassification(classifier_config("gru")).eval()
    as_dict = classifier(input_ids=ids, attention_mask=mask, labels=labels)
    loss, logits = classifier(input_ids=ids, attention_mask=mask, labels=labels, return_dict=False)
    torch.testing.assert_close(loss, as_dict.loss)
    torch.testing.assert_close(logits, as_dict.logits)

    lm = RnnHubForCausalLM(classifier_config("lstm", num_hidden_layers=1)).eval()
    logits, cache = lm(input_ids=ids, return_dict=False)
    assert logits.shape == (4, 9, VOCAB) and cache.seen_tokens == 9

    base = RnnHubModel(classifier_config("rnn"))
    base.config.return_dict = False  # the config's default applies when return_dict is not passed
    last_hidden_state, cache = base(input_ids=ids)
    assert isinstance(last_hidden_state, torch.Tensor) and cache.seen_tokens == 9

    seq2seq = RnnHubForSeq2SeqLM(seq2seq_config("lstm")).eval()
    outputs = seq2seq(input_ids=ids, attention_mask=mask, labels=ids[:, :4], return_dict=False)
    as_dict = seq2seq(input_ids=ids, attention_mask=mask, labels=ids[:, :4])
    torch.testing.assert_close(outputs[0], as_dict.loss)
    torch.testing.assert_close(outputs[1], as_dict.logits)

    captioner = RnnHubForImageCaptioning(captioning_config("gru")).eval()
    pixels = torch.randn(2, 3, 16, 16)
    loss, logits, *_ = captioner(pixel_values=pixels, labels=ids[:2, :4], return_dict=False)
    torch.testing.assert_close(loss, captioner(pixel_values=pixels, labels=ids[:2, :4]).loss)
