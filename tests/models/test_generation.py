"""generate() on the three generating heads: the cached state gives exactly what re-running the prefix gives."""

import pytest
import torch

from rnnhub import (
    RnnHubCaptioningConfig,
    RnnHubConfig,
    RnnHubForCausalLM,
    RnnHubForImageCaptioning,
    RnnHubForSeq2SeqLM,
    RnnHubSeq2SeqConfig,
)

CELLS = ["rnn", "gru", "lstm"]
VOCAB = 29


def lm(cell):
    config = RnnHubConfig(
        vocab_size=VOCAB, cell_type=cell, embedding_size=6, hidden_size=9, num_hidden_layers=2
    )
    return RnnHubForCausalLM(config).eval()


def seq2seq(cell, attention="bahdanau"):
    config = RnnHubSeq2SeqConfig(
        vocab_size=VOCAB,
        cell_type=cell,
        embedding_size=6,
        hidden_size=5,
        decoder_hidden_size=7,
        attention_type=attention,
    )
    return RnnHubForSeq2SeqLM(config).eval()


def captioner(cell):
    config = RnnHubCaptioningConfig(
        vocab_size=VOCAB,
        cell_type=cell,
        embedding_size=6,
        hidden_size=7,
        image_size=16,
        encoder_channels=[4, 6],
    )
    return RnnHubForImageCaptioning(config).eval()


def source_batch():
    ids = torch.randint(4, VOCAB, (3, 7))
    mask = torch.ones_like(ids)
    mask[1, 4:] = 0
    return ids.masked_fill(mask == 0, 0), mask


SETTINGS = {
    "greedy": {"do_sample": False},
    "beam": {"num_beams": 4, "num_return_sequences": 2, "length_penalty": 0.7},
    "sample": {"do_sample": True, "top_k": 8, "top_p": 0.9, "temperature": 0.8},
}


def generate_both_ways(model, inputs, setting, **kw):
    results = []
    for use_cache in (True, False):
        torch.manual_seed(123)  # sampling draws the same random numbers both times
        results.append(model.generate(**inputs, use_cache=use_cache, **SETTINGS[setting], **kw))
    return results


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_causal_lm_cache_equals_no_cache(cell, setting):
    prompt = torch.randint(4, VOCAB, (2, 4))
    cached, uncached = generate_both_ways(
        lm(cell), {"input_ids": prompt}, setting, max_new_tokens=10, eos_token_id=None
    )
    assert cached.shape[1] == 4 + 10
    assert torch.equal(cached, uncached)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("attention", ["bahdanau", "luong", "none"])
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_seq2seq_cache_equals_no_cache(cell, attention, setting):
    ids, mask = source_batch()
    inputs = {"input_ids": ids, "attention_mask": mask}
    cached, uncached = generate_both_ways(seq2seq(cell, attention), inputs, setting, max_new_tokens=8)
    assert torch.equal(cached, uncached)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_captioning_cache_equals_no_cache(cell, setting):
    inputs = {"pixel_values": torch.randn(2, 3, 16, 16)}
    cached, uncached = generate_both_ways(captioner(cell), inputs, setting, max_new_tokens=6)
    assert torch.equal(cached, uncached)


def test_generate_feeds_one_token_per_step_after_the_prompt():
    model = lm("lstm")
    lengths = []
    model.register_forward_pre_hook(
        lambda module, args, kwargs: lengths.append(kwargs["input_ids"].shape[1]), with_kwargs=True
    )
    model.generate(torch.randint(4, VOCAB, (2, 5)), max_new_tokens=6, min_new_tokens=6, eos_token_id=None)
    assert lengths == [5] + [1] * 5


def test_greedy_generation_equals_argmax_of_step_by_step_forward():
    model = seq2seq("gru", "luong")
    ids, mask = source_batch()
    generated = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=6, eos_token_id=None)
    decoder_ids = generated[:, :1]
    for _ in range(6):
        logits = model(ids, attention_mask=mask, decoder_input_ids=decoder_ids).logits[:, -1]
        decoder_ids = torch.cat([decoder_ids, logits.argmax(-1, keepdim=True)], dim=1)
    assert torch.equal(generated, decoder_ids)


def test_left_padded_batch_generates_what_each_prompt_generates_alone():
    model = lm("gru")
    prompts = [torch.randint(4, VOCAB, (5,)), torch.randint(4, VOCAB, (3,))]
    ids = torch.zeros(2, 5, dtype=torch.long)
    mask = torch.zeros(2, 5, dtype=torch.long)
    for row, prompt in enumerate(prompts):
        ids[row, 5 - len(prompt) :] = prompt
        mask[row, 5 - len(prompt) :] = 1
    batched = model.generate(
        input_ids=ids, attention_mask=mask, max_new_tokens=7, eos_token_id=None, pad_token_id=0
    )
    for row, prompt in enumerate(prompts):
        alone = model.generate(input_ids=prompt[None], max_new_tokens=7, eos_token_id=None, pad_token_id=0)
        assert torch.equal(batched[row, 5:], alone[0, len(prompt) :])


def test_eos_stops_a_sequence_and_pads_the_rest():
    model = seq2seq("lstm")
    ids, mask = source_batch()
    first = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=5, eos_token_id=None)
    eos = int(first[0, 2])  # make the token sequence 0 writes second into its end-of-sequence token
    stopped = model.generate(
        input_ids=ids, attention_mask=mask, max_new_tokens=5, eos_token_id=eos, pad_token_id=0
    )
    assert stopped[0, 2] == eos
    assert torch.all(stopped[0, 3:] == 0)


def test_max_new_tokens_and_return_dict_with_attentions():
    model = seq2seq("lstm", "bahdanau")
    ids, mask = source_batch()
    out = model.generate(
        input_ids=ids,
        attention_mask=mask,
        max_new_tokens=4,
        min_new_tokens=4,
        eos_token_id=None,
        return_dict_in_generate=True,
        output_attentions=True,
    )
    assert out.sequences.shape == (3, 5)
    steps = out.cross_attentions
    assert len(steps) == 4 and steps[0][0].shape == (3, 1, 1, 7)
    assert torch.all(steps[0][0][1, ..., 4:] == 0)
