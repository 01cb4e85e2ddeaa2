"""generate() on a causal LM writes what a hand-written step loop over the same torch modules writes.

The manual loop uses the model's own ``nn.Embedding``, ``nn.LSTM`` / ``nn.GRU`` and ``nn.Linear`` modules directly
(not ``RnnHubForCausalLM.forward``), so the per-step shortcuts of the generation path (no dropout call in eval mode,
no attention mask once the state has read the prompt, one ``aminmax`` id check) are pinned against plain torch:
greedy decoding must give the same ids, and sampling the same ids from the same seed.
"""

import pytest
import torch
from transformers import LogitsProcessorList, TemperatureLogitsWarper, TopPLogitsWarper

from rnnhub import RnnHubConfig, RnnHubForCausalLM

VOCAB = 23
NEW = 12
TEMPERATURE = 0.8
TOP_P = 0.9


def writer(cell: str, tie: bool = False) -> RnnHubForCausalLM:
    """A tiny writer with dropout everywhere (identity in eval mode) and, with ``tie``, the output projection."""
    config = RnnHubConfig(
        vocab_size=VOCAB,
        cell_type=cell,
        embedding_size=6,
        hidden_size=9,
        num_hidden_layers=2,
        dropout=0.3,
        embedding_dropout=0.2,
        tie_word_embeddings=tie,
    )
    return RnnHubForCausalLM(config).eval()


def head(model: RnnHubForCausalLM, outputs: torch.Tensor) -> torch.Tensor:
    """(batch, hidden) top-layer outputs -> (batch, vocab) logits, by the model's own linear layers."""
    if model.output_projection is not None:
        outputs = model.output_projection(outputs)
    return model.lm_head(outputs)


@torch.no_grad()
def manual_loop(model: RnnHubForCausalLM, prompt: torch.Tensor, sample: bool) -> torch.Tensor:
    """Embedding -> torch recurrent module -> head, one token per step with the state carried by hand; sampling as
    generate() does it (temperature, top-p, softmax, multinomial)."""
    embeddings, module = model.rnnhub.embeddings, model.rnnhub.recurrent.rnn
    outputs, state = module(embeddings(prompt))
    warpers = LogitsProcessorList([TemperatureLogitsWarper(TEMPERATURE), TopPLogitsWarper(TOP_P)])
    ids = prompt
    for _ in range(NEW):
        logits = head(model, outputs[:, -1])
        if sample:
            token = torch.multinomial(warpers(ids, logits).softmax(dim=-1), num_samples=1)
        else:
            token = logits.argmax(dim=-1, keepdim=True)
        ids = torch.cat([ids, token], dim=1)
        outputs, state = module(embeddings(token), state)
    return ids


def generate(model: RnnHubForCausalLM, prompt: torch.Tensor, sample: bool, **kwargs) -> torch.Tensor:
    settings = {"temperature": TEMPERATURE, "top_p": TOP_P, "top_k": 0} if sample else {}
    return model.generate(
        prompt,
        max_new_tokens=NEW,
        min_new_tokens=NEW,
        eos_token_id=None,
        pad_token_id=0,
        do_sample=sample,
        **settings,
        **kwargs,
    )


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("tie", [False, True])
@pytest.mark.parametrize("sample", [False, True], ids=["greedy", "sample"])
def test_generate_equals_a_manual_step_loop(cell, tie, sample):
    model = writer(cell, tie)
    prompt = torch.randint(4, VOCAB, (1, 5))
    torch.manual_seed(7)
    generated = generate(model, prompt, sample, attention_mask=torch.ones_like(prompt))
    torch.manual_seed(7)
    manual = manual_loop(model, prompt, sample)
    assert generated.shape == (1, 5 + NEW)
    assert torch.equal(generated, manual)


def test_sampled_text_depends_on_the_seed_only():
    model = writer("lstm")
    prompt = torch.randint(4, VOCAB, (1, 4))
    runs = []
    for seed in (3, 3, 4):
        torch.manual_seed(seed)
        runs.append(generate(model, prompt, sample=True))
    assert torch.equal(runs[0], runs[1])
    assert not torch.equal(runs[0], runs[2])


@pytest.mark.parametrize("sample", [False, True], ids=["greedy", "sample"])
def test_left_padded_batch_cached_equals_rerunning_the_prefix(sample):
    """The mask is dropped once the state has read the prompt: a padded batch must still give what re-running the
    whole masked prefix at every step (use_cache=False) gives."""
    model = writer("lstm")
    ids = torch.randint(4, VOCAB, (3, 6))
    mask = torch.ones_like(ids)
    mask[1, :2] = 0
    mask[2, :4] = 0
    ids = ids.masked_fill(mask == 0, 0)
    results = []
    for use_cache in (True, False):
        torch.manual_seed(11)
        results.append(generate(model, ids, sample, attention_mask=mask, use_cache=use_cache))
    assert torch.equal(results[0], results[1])


def test_decoding_steps_get_no_mask_and_one_token():
    """After the prompt, each step feeds one token and no attention mask (every generated token is real)."""
    model = writer("gru")
    seen = []
    model.register_forward_pre_hook(
        lambda module, args, kwargs: seen.append((kwargs["input_ids"].shape[1], kwargs["attention_mask"])),
        with_kwargs=True,
    )
    ids = torch.randint(4, VOCAB, (2, 5))
    mask = torch.ones_like(ids)
    mask[0, 0] = 0
    generate(model, ids, sample=False, attention_mask=mask)
    assert seen[0][0] == 5 and torch.equal(seen[0][1], mask)
    assert [length for length, _ in seen[1:]] == [1] * (NEW - 1)
    assert all(step_mask is None for _, step_mask in seen[1:])


def test_dropout_still_applies_in_training_mode():
    model = writer("lstm").train()
    ids = torch.randint(4, VOCAB, (2, 7))
    first, second = model(ids).logits, model(ids).logits
    assert not torch.allclose(first, second)
    model.eval()
    assert torch.equal(model(ids).logits, model(ids).logits)


def test_out_of_range_ids_are_refused_with_the_range_found():
    model = writer("lstm")
    with pytest.raises(ValueError, match=rf"\[0, {VOCAB}\); got values in \[4, {VOCAB + 2}\]"):
        model(torch.tensor([[4, VOCAB + 2]]))
    with pytest.raises(ValueError, match=r"got values in \[-1, 5\]"):
        model(torch.tensor([[5, -1]]))
