"""rnnhub.publish.weights: float16 storage halves a folder and loads back as the float32 model, rounded once."""

import pytest
import torch
from safetensors.torch import load_file

from rnnhub.models import RnnHubForSeq2SeqLM, RnnHubSeq2SeqConfig
from rnnhub.publish.weights import store_half_precision


def test_half_precision_storage_halves_the_file_and_loads_as_float32(tmp_path):
    torch.manual_seed(0)
    config = RnnHubSeq2SeqConfig(
        vocab_size=40, embedding_size=12, hidden_size=10, decoder_hidden_size=14, attention_type="luong"
    )
    model = RnnHubForSeq2SeqLM(config).eval()
    model.save_pretrained(tmp_path)
    before, after = store_half_precision(tmp_path)
    assert after < 0.6 * before
    assert {t.dtype for t in load_file(tmp_path / "model.safetensors").values()} == {torch.float16}
    loaded = RnnHubForSeq2SeqLM.from_pretrained(tmp_path).eval()
    assert next(loaded.parameters()).dtype == torch.float32
    for (name, original), (_, stored) in zip(model.state_dict().items(), loaded.state_dict().items()):
        torch.testing.assert_close(stored, original.half().float(), rtol=0, atol=0, msg=name)
    assert not (tmp_path / "model.safetensors.partial").exists()


def test_refuses_a_folder_without_weights_and_weights_beyond_float16(tmp_path):
    with pytest.raises(ValueError, match="no model.safetensors"):
        store_half_precision(tmp_path)
    from safetensors.torch import save_file

    save_file({"big": torch.tensor([1e6])}, tmp_path / "model.safetensors")
    with pytest.raises(ValueError, match="float16's range"):
        store_half_precision(tmp_path)
    assert load_file(tmp_path / "model.safetensors")["big"].dtype == torch.float32  # left as it was
