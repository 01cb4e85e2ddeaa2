"""A causal LM as a generator through the stock ``text-generation`` pipeline: its tokenizer encodes a prompt as
``<bos> text`` (no ``<eos>``, after which the model would start a new text) and the output continues the prompt,
with rnnhub imported and in a fresh interpreter where it cannot be (``trust_remote_code=True``)."""

import json
import textwrap
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

from builders import run_without_rnnhub
from rnnhub.lm.recipe import make_blocks, train_lm
from rnnhub.publish.hub import HIDE_RNNHUB
from rnnhub.tokenization import BOS_ID, EOS_ID

LM_FOLDER = Path(__file__).resolve().parents[2] / "model_cards" / "lstm-lm-en"
PROMPT = "The house"
NEW_TOKENS = 6


def _greedy_continuation(folder: Path, prompt: str) -> str:
    """The greedy continuation of ``prompt`` by generate() on ``<bos> prompt``, decoded on its own."""
    model = AutoModelForCausalLM.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    ids = torch.tensor([[BOS_ID, *tokenizer(prompt, add_special_tokens=False)["input_ids"]]])
    output = model.generate(ids, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, do_sample=False)
    return tokenizer.decode(output[0, ids.shape[1] :], skip_special_tokens=True)


def _check_generated(text: str, folder: Path) -> None:
    assert text == PROMPT + _greedy_continuation(folder, PROMPT)
    # The continuation is not glued to the prompt's last word: a space, or closing punctuation.
    assert text[len(PROMPT)] in " .,!?;:", text


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory) -> Path:
    import datasets

    texts = ["the house is red .", "the house is big .", "a red house ."] * 20
    corpus = datasets.DatasetDict(
        {split: datasets.Dataset.from_dict({"text": texts}) for split in ("train", "validation", "test")}
    )
    out = tmp_path_factory.mktemp("lm") / "tiny-lm"
    sizes = {
        "embedding_size": 8,
        "hidden_size": 8,
        "seq_len": 8,
        "batch_size": 4,
        "max_steps": 2,
        "warmup_steps": 0,
    }
    train_lm(corpus, output_dir=out, vocab_size=20, min_frequency=1, **sizes)
    return out


@pytest.mark.parametrize("which", ["published", "recipe"])
def test_a_prompt_is_bos_and_text_without_eos(which, tiny_lm):
    folder = LM_FOLDER if which == "published" else tiny_lm
    tokenizer = AutoTokenizer.from_pretrained(folder)
    ids = tokenizer(PROMPT)["input_ids"]
    assert ids[0] == BOS_ID and EOS_ID not in ids
    assert ids[1:] == tokenizer(PROMPT, add_special_tokens=False)["input_ids"]


def test_training_blocks_still_end_every_text_with_eos(tiny_lm):
    tokenizer = AutoTokenizer.from_pretrained(tiny_lm)
    words = tokenizer("the house", add_special_tokens=False)["input_ids"]
    blocks = make_blocks(["the house", "the house"], tokenizer, seq_len=4)
    assert blocks.tolist() == [[BOS_ID, *words, EOS_ID]] * 2


@pytest.mark.parametrize("which", ["published", "recipe"])
def test_stock_text_generation_pipeline_continues_the_prompt(which, tiny_lm):
    folder = LM_FOLDER if which == "published" else tiny_lm
    generate = pipeline("text-generation", model=str(folder), device="cpu")
    (result,) = generate(PROMPT, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, do_sample=False)
    _check_generated(result["generated_text"], folder)


PIPELINE_SCRIPT = textwrap.dedent(
    """
    import importlib.util, json, sys
    assert importlib.util.find_spec("rnnhub") is None, "rnnhub must not be importable in this test"
    from transformers import pipeline
    generate = pipeline("text-generation", model=sys.argv[1], trust_remote_code=True, device="cpu")
    (result,) = generate(sys.argv[2], max_new_tokens=int(sys.argv[3]), min_new_tokens=int(sys.argv[3]), do_sample=False)
    assert not [m for m in sys.modules if m.startswith("rnnhub")], "rnnhub leaked in"
    print(json.dumps({"text": result["generated_text"], "model": type(generate.model).__module__}))
    """
)


def test_stock_pipeline_without_rnnhub_continues_the_prompt(tmp_path):
    result = run_without_rnnhub(
        HIDE_RNNHUB + PIPELINE_SCRIPT, [str(LM_FOLDER), PROMPT, str(NEW_TOKENS)], tmp_path
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["model"].startswith("transformers_modules"), "the model came from the folder's own code"
    _check_generated(report["text"], LM_FOLDER)
