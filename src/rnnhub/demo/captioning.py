"""The captioning tab: a caption for an uploaded or example image, and where the model looked for each word.

Built on :mod:`rnnhub.captioning.view`; images are read by :func:`rnnhub.images.load_image`, which refuses
non-images, truncated files and decompression bombs with a clear ``ValueError``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rnnhub.demo import catalog
from rnnhub.demo.cache import ModelCache
from rnnhub.demo.caption_examples import EXAMPLE_DIR, Example, load_examples
from rnnhub.demo.loaders import Progress, load_captioner, report
from rnnhub.demo.text_input import MAX_BEAMS, check_beams

__all__ = [
    "EXAMPLE_DIR",
    "MAX_BEAMS",
    "MAX_UPLOAD_BYTES",
    "caption",
    "example_images",
    "examples",
    "not_published_message",
]

# The emoji pictures are a few kB; 20 MB leaves room for any photo and refuses absurd uploads before decoding.
MAX_UPLOAD_BYTES = 20_000_000


def examples() -> list[Example]:
    """The bundled examples with their labels ("never seen", "seen in training (variant)"; examples/README.md)."""
    return load_examples(EXAMPLE_DIR)


def example_images() -> list[str]:
    """Paths of the bundled example images, in the manifest's order."""
    return [str(EXAMPLE_DIR / example.file) for example in examples()]


def not_published_message() -> str:
    return (
        "No image-captioning model is published yet (expected a folder model_cards/lstm-captioning-emoji/; "
        "see `rnnhub models`)."
    )


def _image_source(image: Any) -> Any:
    """A path (str / Path) is checked for existence and size here; anything else goes to load_image as is."""
    if image is None or (isinstance(image, str) and not image.strip()):
        raise ValueError("No image given: upload a picture (PNG, JPEG, ...) or pick one of the examples.")
    if isinstance(image, (str, Path)):
        path = Path(image)
        if not path.is_file():
            raise ValueError(f"No image file at {str(image)!r}.")
        size = path.stat().st_size
        if size > MAX_UPLOAD_BYTES:
            raise ValueError(
                f"The file is {size / 1e6:.1f} MB; the demo accepts images up to {MAX_UPLOAD_BYTES / 1e6:.0f} MB."
            )
    return image


def caption(
    image: Any,
    num_beams: Any = 3,
    *,
    model: str | None = None,
    progress: Progress | None = None,
    cache: ModelCache | None = None,
) -> dict[str, Any]:
    """Caption ``image`` (a path, bytes or PIL image) with the best published captioner (or ``model``).

    Returns the :func:`rnnhub.captioning.view.caption_with_attention` dict plus ``model``, ``model_metric`` (its
    card's headline metric, None for an explicit ``model``) and ``num_beams``.

    Raises:
        ValueError: no image, a file that is not an image / truncated / too big, a beam size outside
            1..MAX_BEAMS, or no captioning model published.
    """
    from rnnhub.captioning.view import caption_with_attention
    from rnnhub.images import load_image

    beams = check_beams(num_beams)
    source = _image_source(image)
    try:
        picture = load_image(source)  # refuse a bad upload before loading any model
    except ValueError as error:
        if isinstance(source, (str, Path)):  # name the file as the user knows it, not by its upload path
            raise ValueError(str(error).replace(str(source), Path(source).name)) from None
        raise
    metric = None
    if model is None:
        entries = catalog.captioning_models()
        if not entries:
            raise ValueError(not_published_message())
        model, metric = entries[0].path, entries[0].metric
    name = model.rstrip("/").split("/")[-1]
    captioner, image_processor, tokenizer = load_captioner(model, progress, cache)
    report(progress, 0.6, f"captioning with {name} (beam size {beams})")
    result = caption_with_attention(captioner, image_processor, tokenizer, picture, num_beams=beams)
    return {**result, "model": name, "model_metric": metric, "num_beams": beams}
