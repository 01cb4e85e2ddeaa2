"""Load any image a user hands us as an RGB PIL image, or refuse it with a clear ``ValueError``.

>>> from rnnhub.images import load_image
>>> load_image("cat.png")          # a path; also a PIL image, bytes, a binary file object or {"bytes"/"path"}

The code lives in :mod:`rnnhub.pipelines.image_loading` (the captioning pipeline's remote code, copied next to the
weights); see its docstring for what is converted and what is refused.
"""

from rnnhub.pipelines.image_loading import (
    DEFAULT_FORMATS,
    DEFAULT_MAX_PIXELS,
    ImageInput,
    load_image,
    to_rgb,
)

__all__ = ["DEFAULT_FORMATS", "DEFAULT_MAX_PIXELS", "ImageInput", "load_image", "to_rgb"]
