"""rnnhub.images.load_image: every input kind, every colour mode, and every bad image refused with a clear error."""

import io
import warnings

import numpy as np
import pytest
from PIL import Image

from rnnhub.images import load_image


def _png(image: Image.Image, format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format)
    return buffer.getvalue()


def _noise(size=(24, 16)) -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


# ---------------------------------------------------------------------------------------------------------------
# Input kinds


def test_every_input_kind_gives_the_same_rgb_pixels(tmp_path):
    image = _noise()
    data = _png(image)
    path = tmp_path / "noise.png"
    path.write_bytes(data)
    expected = np.asarray(image)
    inputs = [
        image,
        str(path),
        path,
        data,
        bytearray(data),
        memoryview(data),
        io.BytesIO(data),
        {"bytes": data, "path": None},
        {"bytes": None, "path": str(path)},
    ]
    for value in inputs:
        loaded = load_image(value)
        assert loaded.mode == "RGB" and loaded.size == image.size, type(value)
        np.testing.assert_array_equal(np.asarray(loaded), expected)


def test_an_open_file_object_is_read(tmp_path):
    path = tmp_path / "noise.jpg"
    _noise().save(path, format="JPEG")
    with open(path, "rb") as handle:
        assert load_image(handle).size == (24, 16)


def test_the_result_is_independent_of_the_source_file(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(_png(_noise()))
    loaded = load_image(path)
    path.unlink()
    assert loaded.getpixel((0, 0)) is not None  # decoded fully, the file is no longer needed


# ---------------------------------------------------------------------------------------------------------------
# Colour modes


def test_transparency_is_composited_on_white_like_the_emoji_corpus():
    rgba = Image.new("RGBA", (4, 4), (255, 0, 0, 0))  # fully transparent red
    rgba.putpixel((0, 0), (255, 0, 0, 255))  # one opaque red pixel
    rgba.putpixel((1, 0), (0, 0, 0, 128))  # half-transparent black
    loaded = load_image(rgba)
    assert loaded.getpixel((3, 3)) == (255, 255, 255)
    assert loaded.getpixel((0, 0)) == (255, 0, 0)
    assert loaded.getpixel((1, 0)) in {(127, 127, 127), (128, 128, 128)}


@pytest.mark.parametrize("mode", ["LA", "PA", "RGBa"])
def test_other_alpha_modes_become_white_where_transparent(mode):
    image = Image.new("RGBA", (3, 3), (10, 20, 30, 0)).convert(mode)
    assert load_image(image).getpixel((1, 1)) == (255, 255, 255)


def test_palette_images_with_and_without_transparency():
    palette = Image.new("P", (4, 4), 1)
    palette.putpalette([0, 0, 0, 200, 10, 10] + [0] * 762)
    assert load_image(palette).getpixel((0, 0)) == (200, 10, 10)
    transparent = load_image(_png(palette.copy()), max_pixels=100)  # round trip through PNG keeps the mode
    assert transparent.mode == "RGB"
    palette.info["transparency"] = 1
    reloaded = Image.open(io.BytesIO(_png(palette)))
    assert reloaded.mode == "P" and "transparency" in reloaded.info
    assert load_image(reloaded).getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("mode", "value", "expected"),
    [
        ("L", 77, 77),
        ("1", 1, 255),
        ("I;16", 65535, 255),
        ("I;16", 200, 200),  # an 8-bit range stored in 16 bits stays as it is
        ("I", 32896, 128),
        ("F", 0.5, 128),
        ("F", 100.0, 100),
    ],
)
def test_greyscale_and_high_bit_depth_become_grey_rgb(mode, value, expected):
    image = Image.new(mode, (5, 3), value)
    if mode == "I;16" and value == 200:
        image.putpixel((0, 0), 0)
    loaded = load_image(image)
    assert loaded.mode == "RGB"
    assert loaded.getpixel((4, 2)) == (expected, expected, expected)


def test_cmyk_and_ycbcr_convert_to_rgb():
    cmyk = Image.new("CMYK", (2, 2), (0, 255, 255, 0))  # red
    assert load_image(_png(cmyk, "JPEG")).mode == "RGB"
    assert load_image(cmyk).getpixel((0, 0)) == (255, 0, 0)
    assert load_image(Image.new("YCbCr", (2, 2), (128, 128, 128))).mode == "RGB"


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (6, 2), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    assert load_image(buffer.getvalue()).size == (2, 6)


def test_an_animated_gif_gives_its_first_frame():
    frames = [Image.new("RGB", (4, 4), colour) for colour in ((255, 0, 0), (0, 255, 0))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    assert load_image(buffer.getvalue()).getpixel((0, 0))[0] > 200


# ---------------------------------------------------------------------------------------------------------------
# Refused, with a message that says what to do


@pytest.mark.parametrize(
    "url", ["https://example.org/cat.png", "http://x/y.jpg", "  HTTPS://X/Y", "data:image/png;base64,AAAA"]
)
def test_urls_are_refused(url):
    with pytest.raises(ValueError, match="download"):
        load_image(url)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="No image file"):
        load_image(tmp_path / "missing.png")
    with pytest.raises(ValueError, match="No image file"):
        load_image(str(tmp_path))  # a folder


@pytest.mark.parametrize("data", [b"not an image at all", b"%PDF-1.4 ...", b"\x89PNG\r\n\x1a\n"])
def test_non_images_are_refused(data, tmp_path):
    with pytest.raises(ValueError, match="not an image|truncated|Could not read"):
        load_image(data)
    path = tmp_path / "fake.png"
    path.write_bytes(data)
    with pytest.raises(ValueError, match="fake.png"):
        load_image(path)


def test_empty_data_is_refused():
    with pytest.raises(ValueError, match="empty"):
        load_image(b"")
    with pytest.raises(ValueError, match="empty"):
        load_image(Image.new("RGB", (0, 0)))


@pytest.mark.parametrize("format", ["PNG", "JPEG"])
def test_truncated_images_are_refused(format, tmp_path):
    data = _png(_noise((64, 64)), format)
    truncated = data[: len(data) // 2]
    with pytest.raises(ValueError, match="truncated"):
        load_image(truncated)
    path = tmp_path / f"cut.{format.lower()}"
    path.write_bytes(truncated)
    with pytest.raises(ValueError, match="truncated"):
        load_image(str(path))
    with pytest.raises(ValueError, match="truncated"):
        load_image(Image.open(path))  # a lazily opened PIL image fails when decoded, with the same message


def test_decompression_bombs_are_refused_before_decoding():
    # A few kB of PNG that would decode to 12,000 x 12,000 pixels (432 MB as RGB).
    bomb = _png(Image.new("1", (12_000, 12_000)))
    assert len(bomb) < 100_000
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no DecompressionBombWarning leaks out either
        with pytest.raises(ValueError, match="pixels"):
            load_image(bomb)
    with pytest.raises(ValueError, match="max_pixels"):
        load_image(_png(Image.new("RGB", (50, 50))), max_pixels=2_000)
    with pytest.raises(ValueError, match="max_pixels"):
        load_image(Image.new("RGB", (50, 50)), max_pixels=2_000)


def test_beyond_pil_own_limit_is_refused_too():
    huge = _png(Image.new("1", (20_000, 20_000)))  # 400 M pixels: PIL's own DecompressionBombError
    with pytest.raises(ValueError, match="too large|pixels"):
        load_image(huge, max_pixels=10**12)


@pytest.mark.parametrize("value", [3, 2.5, None, ["a.png"], np.zeros((4, 4, 3), dtype=np.uint8)])
def test_other_types_are_refused(value):
    with pytest.raises(ValueError, match="PIL image, a file path"):
        load_image(value)


def test_a_dict_without_bytes_or_path_is_refused():
    with pytest.raises(ValueError, match="'bytes' or 'path'"):
        load_image({"bytes": None, "path": None})


@pytest.mark.parametrize("format", ["PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF"])
def test_the_default_formats_are_read(format):
    picture = Image.new("RGB", (6, 4), (200, 30, 30))
    assert load_image(_png(picture, format)).size == (6, 4)


def test_formats_outside_the_list_are_never_opened(monkeypatch):
    from PIL import EpsImagePlugin

    def ghostscript(*args, **kwargs):
        raise AssertionError("the EPS decoder (Ghostscript) was reached")

    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", ghostscript)
    eps = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 4 4\nnewpath 0 0 moveto 4 4 lineto stroke\n%%EOF\n"
    with pytest.raises(
        ValueError, match=r"not an image PIL can read \(accepted formats: PNG, JPEG, GIF, WEBP"
    ):
        load_image(eps)
    # ICO is a format PIL reads, but not one of the defaults; a caller can allow it.
    ico = _png(Image.new("RGB", (16, 16), (0, 0, 255)), "ICO")
    with pytest.raises(ValueError, match="accepted formats"):
        load_image(ico)
    assert load_image(ico, formats=["ICO"]).size == (16, 16)
    assert load_image(ico, formats=None).size == (16, 16)
    with pytest.raises(ValueError, match="accepted formats are PNG"):
        load_image(Image.open(io.BytesIO(ico)), formats=["PNG"])


@pytest.mark.parametrize("formats", ["PNG", [], ["NOPE"]])
def test_bad_format_lists_are_refused(formats):
    with pytest.raises(ValueError, match="formats must be|Unknown image format"):
        load_image(Image.new("RGB", (2, 2)), formats=formats)
