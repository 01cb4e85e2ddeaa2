"""Load any image a user hands us as an RGB PIL image, or refuse it with a clear ``ValueError``.

>>> from rnnhub.images import load_image
>>> load_image("cat.png")          # a path; also a PIL image, bytes, a binary file object or {"bytes"/"path"}

Part of the captioning pipeline's remote code (imports only PIL, NumPy and the standard library), copied next to
the weights of captioning models; rnnhub's callers import it as ``rnnhub.images``.

What is handled, not refused:

* every colour mode PIL reads: greyscale (``L``, ``1``), palette (``P``, with or without transparency), 16/32-bit
  greyscale (``I;16``, ``I``, ``F``, scaled to 8 bits), ``CMYK``, ``YCbCr``, ... become RGB;
* transparency (``RGBA``, ``LA``, ``PA``, palette transparency) is composited onto **white**, the way the
  ``emoji-captions`` corpus images were made (``rnnhub.data.captioning_emoji.render_png``), so a transparent emoji
  looks like the training pictures instead of a black square;
* EXIF orientation is applied (a photo taken sideways is turned upright).

What is refused (``ValueError`` saying what to do): URLs (rnnhub never downloads; download the file first), files
that are not images, images in a format outside ``formats`` (default :data:`DEFAULT_FORMATS`: PNG, JPEG, GIF, WebP,
BMP, TIFF; PIL's other plugins, such as EPS, which calls Ghostscript, are never tried), truncated or corrupt images,
images over ``max_pixels`` (decompression bombs: a tiny file that decodes to gigabytes), empty images, and objects
of other types.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import IO, Any

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["DEFAULT_FORMATS", "DEFAULT_MAX_PIXELS", "ImageInput", "load_image", "to_rgb"]

# 40 megapixels: any camera photo passes; a decompression bomb (e.g. 50,000 x 50,000 in a few kB) does not.
DEFAULT_MAX_PIXELS = 40_000_000
# The formats read by default (PIL's format names): the common picture formats, each decoded by PIL itself.
DEFAULT_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF")
_URL_PREFIXES = ("http://", "https://", "ftp://", "ftps://", "s3://", "gs://", "data:")
_TRANSPARENT_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
_HIGH_BIT_DEPTH_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")

ImageInput = Image.Image | str | os.PathLike | bytes | bytearray | memoryview | IO[bytes] | dict


def load_image(
    image: Any,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    formats: tuple[str, ...] | list[str] | None = DEFAULT_FORMATS,
) -> Image.Image:
    """``image`` as a fully decoded RGB PIL image (see the module docstring for what is converted or refused).

    Args:
        image: a PIL image, a path (str or ``os.PathLike``), the file's bytes, a binary file object opened for
            reading, or a ``datasets`` image dict (``{"bytes": ..., "path": ...}``).
        max_pixels: largest width x height accepted; bigger images are refused before they are decoded.
        formats: PIL format names to read (default :data:`DEFAULT_FORMATS`); only their decoders are tried, so
            a file in another format is refused before any of its code runs. ``None``: every format PIL knows
            (trusted files only).

    Raises:
        ValueError: a URL, a missing file, not an image, a format outside ``formats``, a truncated image, too
            many pixels, an empty image, or an unsupported type.
    """
    allowed = _check_formats(formats)
    if isinstance(image, Image.Image):
        if allowed is not None and image.format is not None and image.format not in allowed:
            raise ValueError(f"The image is {image.format}; {_formats_text(allowed)}")
        _check_pixels(image.size, max_pixels, "the image")
        _decode(image, "the image")
        return to_rgb(image)
    opened, where = _open(image, max_pixels, allowed)
    with opened:
        _decode(opened, where)
        return to_rgb(opened)


def _check_formats(formats: Any) -> list[str] | None:
    if formats is None:
        return None
    if isinstance(formats, str) or not formats:
        raise ValueError(f"formats must be a non-empty list of PIL format names (or None), got {formats!r}.")
    Image.init()  # every plugin registered, so that a name can be checked
    names = [str(name).upper() for name in formats]
    unknown = [name for name in names if name not in Image.OPEN]
    if unknown:
        raise ValueError(
            f"Unknown image format(s) {', '.join(unknown)}; PIL reads e.g. {', '.join(DEFAULT_FORMATS)}."
        )
    return names


def _formats_text(allowed: list[str]) -> str:
    return f"the accepted formats are {', '.join(allowed)}. Convert the picture to one of them (e.g. PNG)."


def _open(image: Any, max_pixels: int, allowed: list[str] | None = None) -> tuple[Image.Image, str]:
    """Open ``image`` lazily (header only) and check its size; ValueError for anything that is not an image."""
    if isinstance(image, dict):
        if image.get("bytes") is not None:
            image = image["bytes"]
        elif image.get("path"):
            image = image["path"]
        else:
            raise ValueError(
                "An image dict needs 'bytes' or 'path' (the datasets Image format); got neither."
            )
    if isinstance(image, (str, os.PathLike)):
        text = os.fspath(image)
        if isinstance(text, bytes):
            text = text.decode(errors="replace")
        if text.strip().lower().startswith(_URL_PREFIXES):
            raise ValueError(
                f"{text[:80]!r} is a URL; rnnhub does not download anything. Download the image first and pass "
                "the local path (or the file's bytes)."
            )
        path = Path(text)
        if not path.is_file():
            raise ValueError(f"No image file at {text!r} (not found or not a file).")
        source, where = path, f"the file {text!r}"
    elif isinstance(image, (bytes, bytearray, memoryview)):
        if not len(image):
            raise ValueError("The image data is empty (0 bytes).")
        source, where = io.BytesIO(bytes(image)), "the image data"
    elif hasattr(image, "read"):
        source, where = image, "the file object"
    else:
        raise ValueError(
            f"Cannot read an image from a {type(image).__name__}; pass a PIL image, a file path, the file's "
            "bytes or a binary file object."
        )
    try:
        with warnings.catch_warnings():
            # PIL only warns between its limit and twice its limit; an oversized image is an error here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(source, formats=allowed)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValueError(f"{where[0].upper()}{where[1:]} is too large to decode safely ({error}).") from error
    except UnidentifiedImageError as error:
        accepted = allowed or list(DEFAULT_FORMATS) + ["..."]
        raise ValueError(
            f"{where[0].upper()}{where[1:]} is not an image PIL can read (accepted formats: {', '.join(accepted)})."
        ) from error
    except (OSError, SyntaxError, ValueError, TypeError) as error:
        raise ValueError(f"Could not read {where}: {error}") from error
    try:
        _check_pixels(opened.size, max_pixels, where)
    except ValueError:
        opened.close()
        raise
    return opened, where


def _check_pixels(size: tuple[int, int], max_pixels: int, where: str) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise ValueError(f"{where[0].upper()}{where[1:]} is empty ({width}x{height} pixels).")
    if width * height > max_pixels:
        raise ValueError(
            f"{where[0].upper()}{where[1:]} has {width}x{height} = {width * height:,} pixels, more than the limit "
            f"of {max_pixels:,} (a decompression bomb, or simply too big). Shrink it first, or raise max_pixels if "
            "you trust the file."
        )


def _decode(image: Image.Image, where: str) -> None:
    """Decode the pixels now, so a truncated or corrupt file fails here, not deep inside preprocessing."""
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ValueError(
            f"{where[0].upper()}{where[1:]} is truncated or corrupt and cannot be decoded ({error})."
        ) from error


def to_rgb(image: Image.Image) -> Image.Image:
    """An RGB copy of a decoded PIL image: transparency on white, high bit depths scaled to 8 bits, EXIF upright."""
    image = ImageOps.exif_transpose(image)
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in _TRANSPARENT_MODES:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if image.mode in _HIGH_BIT_DEPTH_MODES or image.mode == "F":
        image = _to_8_bit_grey(image)
    if image.mode == "RGB":
        return image.copy()
    try:
        return image.convert("RGB")
    except (ValueError, OSError) as error:
        raise ValueError(f"Cannot convert an image of mode {image.mode!r} to RGB ({error}).") from error


def _to_8_bit_grey(image: Image.Image) -> Image.Image:
    """16-bit or 32-bit greyscale to 8-bit ``L``: integers scaled from their range, floats from [0, 1] or [0, 255]."""
    import numpy as np

    values = np.asarray(image, dtype=np.float64)
    peak = float(values.max()) if values.size else 0.0
    if image.mode == "F":
        values = values * 255.0 if peak <= 1.0 else values
    elif peak > 255:
        values = values / 257.0  # 0..65535 -> 0..255
    return Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))
