"""The rnnhub-image-captioning pipeline and the attention view, on a tiny random captioner saved to a folder."""

import io

import pytest
import torch
from PIL import Image
from transformers import pipeline
from transformers.pipelines import PIPELINE_REGISTRY

from builders import never_called, noise_png, png_bytes, shape_image, tiny_captioner
from rnnhub.captioning.pipeline import TASK, ImageCaptioningPipeline, register
from rnnhub.captioning.view import caption_with_attention, load_captioner, pixel_values_for


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    model, processor, tokenizer = tiny_captioner()
    path = tmp_path_factory.mktemp("tiny-captioner")
    model.save_pretrained(path)
    processor.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def captioner(folder):
    register()
    return pipeline(TASK, model=str(folder))


def _expected(folder, image, **kwargs):
    model, processor, tokenizer = load_captioner(folder)
    with torch.no_grad():
        ids = model.generate(pixel_values_for(processor, [image]), **kwargs)
    return tokenizer.decode(ids[0], skip_special_tokens=True).strip()


def test_register_is_idempotent():
    register()
    register()
    assert PIPELINE_REGISTRY.supported_tasks[TASK]["impl"] is ImageCaptioningPipeline


def test_every_input_kind_gives_the_model_caption(captioner, folder, tmp_path):
    image = shape_image("red", "circle")
    expected = _expected(folder, image)
    path = tmp_path / "red.png"
    path.write_bytes(png_bytes(image))
    for value in (image, str(path), path, png_bytes(image), io.BytesIO(png_bytes(image))):
        assert captioner(value) == [{"generated_text": expected}], type(value)
    with open(path, "rb") as handle:
        assert captioner(handle) == [{"generated_text": expected}]


def test_a_list_gives_one_result_list_per_image_in_order_with_batching(captioner, folder):
    images = [shape_image(c, s) for c, s in (("red", "square"), ("blue", "circle"), ("green", "square"))]
    one_by_one = [captioner(image) for image in images]
    assert captioner(images) == one_by_one
    assert captioner(images, batch_size=2) == one_by_one
    assert captioner(tuple(images)) == one_by_one


def test_beam_search_and_max_new_tokens(captioner, folder):
    image = shape_image("green", "circle")
    assert captioner(image, num_beams=3) == [{"generated_text": _expected(folder, image, num_beams=3)}]
    short = captioner(image, max_new_tokens=1)[0]["generated_text"]
    assert len(short.split()) <= 1


def test_greyscale_rgba_palette_and_big_images_are_handled(captioner):
    base = shape_image("blue", "square", size=64)
    for image in (
        base.convert("L"),
        shape_image("red", "circle", mode="RGBA"),
        base.convert("P"),
        base.resize((900, 700)),
    ):
        result = captioner(image)
        assert isinstance(result[0]["generated_text"], str)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (b"definitely not an image", "not an image"),
        ("https://example.org/cat.png", "download"),
        (noise_png()[:40], "truncated|not an image|Could not read"),
        (12, "PIL image, a file path"),
    ],
)
def test_bad_images_raise_a_clear_value_error(captioner, value, message):
    with pytest.raises(ValueError, match=message):
        captioner(value)


def test_bad_parameters_and_empty_lists_are_refused(captioner):
    image = shape_image("red", "square")
    with pytest.raises(ValueError, match="num_beams"):
        captioner(image, num_beams=0)
    with pytest.raises(ValueError, match="Unknown parameter"):
        captioner(image, temperature=0.5)
    with pytest.raises(ValueError, match="No images"):
        captioner([])


def test_a_non_captioning_model_is_refused(tmp_path):
    from rnnhub.models import RnnHubConfig, RnnHubForCausalLM

    model = RnnHubForCausalLM(RnnHubConfig(vocab_size=20, embedding_size=4, hidden_size=4))
    with pytest.raises(ValueError, match="rnnhub captioning model"):
        ImageCaptioningPipeline(model=model, tokenizer=None, image_processor=None)


# ---------------------------------------------------------------------------------------------------------------
# The attention view


def test_attention_maps_match_the_caption_and_sum_to_one(folder):
    model, processor, tokenizer = load_captioner(folder)
    for num_beams in (1, 3):
        view = caption_with_attention(
            model, processor, tokenizer, shape_image("red", "square"), num_beams=num_beams
        )
        assert view["grid_size"] == [4, 4]
        assert len(view["words"]) == len(view["attention"]) >= 1
        assert view["caption"] == _expected(folder, shape_image("red", "square"), num_beams=num_beams)
        for grid in view["attention"]:
            assert len(grid) == 4 and all(len(row) == 4 for row in grid)
            assert sum(map(sum, grid)) == pytest.approx(1.0, abs=1e-5)
        assert view["image"].mode == "RGB" and view["image"].size == (16, 16)


def test_the_view_replays_the_weights_generate_used(folder):
    """Teacher-forced replay == the weights generate() computed step by step (output_attentions)."""
    model, processor, tokenizer = load_captioner(folder)
    image = shape_image("blue", "circle")
    view = caption_with_attention(model, processor, tokenizer, image, max_new_tokens=4)
    out = model.generate(
        pixel_values_for(processor, [image]),
        max_new_tokens=4,
        output_attentions=True,
        return_dict_in_generate=True,
    )
    stepwise = torch.stack([step[0][0, 0, -1] for step in out.cross_attentions])  # (steps, slots)
    replay = torch.tensor(view["attention"]).reshape(len(view["words"]), -1)
    torch.testing.assert_close(replay, stepwise[: len(view["words"])])


def test_the_view_refuses_bad_input(folder):
    model, processor, tokenizer = load_captioner(folder)
    with pytest.raises(ValueError, match="num_beams"):
        caption_with_attention(model, processor, tokenizer, shape_image("red", "square"), num_beams=0)
    with pytest.raises(ValueError, match="not an image"):
        caption_with_attention(model, processor, tokenizer, b"junk")
    model.config.attention_type = "none"
    with pytest.raises(ValueError, match="no attention"):
        caption_with_attention(model, processor, tokenizer, Image.new("RGB", (4, 4)))
    with pytest.raises(ValueError, match="not a published rnnhub model"):
        load_captioner("no-such-model")


def test_load_captioner_refuses_other_models(tmp_path):
    from rnnhub.models import RnnHubConfig, RnnHubForCausalLM

    RnnHubForCausalLM(RnnHubConfig(vocab_size=20, embedding_size=4, hidden_size=4)).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="not an rnnhub captioning model"):
        load_captioner(tmp_path)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"num_beams": 1000}, "num_beams=1000 is above the limit of 16 beams"),
        ({"max_new_tokens": 10**6}, "max_new_tokens=1000000 is above this model's limit of 24 tokens"),
        ({"num_return_sequences": 4}, "num_return_sequences=4 is not supported"),
    ],
)
def test_an_oversize_request_is_refused_before_anything_runs(captioner, monkeypatch, settings, message):
    monkeypatch.setattr(captioner.model, "generate", never_called)
    monkeypatch.setattr(captioner, "preprocess", never_called)
    with pytest.raises(ValueError, match=message):
        captioner(shape_image("red", "square"), **settings)


def test_the_limits_can_be_raised_at_init_and_the_view_keeps_them(folder, monkeypatch):
    register()
    generous = pipeline(TASK, model=str(folder), max_new_tokens_limit=30)
    assert isinstance(generous(shape_image("red", "square"), max_new_tokens=30)[0]["generated_text"], str)
    model, processor, tokenizer = load_captioner(folder)
    monkeypatch.setattr(model, "generate", never_called)
    with pytest.raises(ValueError, match="num_beams=100 is above the limit"):
        caption_with_attention(model, processor, tokenizer, shape_image("red", "square"), num_beams=100)
