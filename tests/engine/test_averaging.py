"""Checkpoint averaging: the element-wise float32 mean, and a clear refusal of files that are not one model's."""

import pytest
import torch
from safetensors.torch import save_file

from rnnhub.engine.averaging import average_weights


def test_the_average_is_the_element_wise_mean(tmp_path):
    files = []
    for index, scale in enumerate((1.0, 2.0, 6.0)):
        path = tmp_path / f"checkpoint-{index}.safetensors"
        save_file(
            {"w": torch.full((2, 3), scale), "b": torch.tensor([scale], dtype=torch.float16)}, str(path)
        )
        files.append(path)
    averaged = average_weights(files)
    assert torch.equal(averaged["w"], torch.full((2, 3), 3.0))
    assert averaged["b"].dtype == torch.float32 and averaged["b"].item() == 3.0


def test_files_of_other_models_are_refused(tmp_path):
    one, other, wide = (tmp_path / f"{name}.safetensors" for name in ("one", "other", "wide"))
    save_file({"w": torch.zeros(2)}, str(one))
    save_file({"v": torch.zeros(2)}, str(other))
    save_file({"w": torch.zeros(3)}, str(wide))
    with pytest.raises(ValueError, match="at least two"):
        average_weights([one])
    with pytest.raises(ValueError, match="other tensors"):
        average_weights([one, other])
    with pytest.raises(ValueError, match="has shape"):
        average_weights([one, wide])
