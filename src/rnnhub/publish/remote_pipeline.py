"""The last check of ``rnnhub publish`` for a translation or captioning folder: does its pipeline work for someone
without rnnhub?

In a fresh Python where rnnhub cannot be imported, ``pipeline(model=folder, trust_remote_code=True)`` (no task: it
must be inferred from config.json's ``custom_pipelines``) runs on fixed inputs; the task, the pipeline class's
origin (the folder's files, not rnnhub) and the outputs are compared with rnnhub's installed pipeline on the same
inputs in this process. :func:`check_remote_pipeline` takes the clean-subprocess runner of
:mod:`rnnhub.publish.verify` so this module holds only what to run and what to compare.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

# Fixed inputs: a blank text (answered without the model) between two real ones, in both source languages rnnhub
# translates from, and one picture (a yellow square on white) at the model's image size.
TEXTS = ["Guten Morgen!", "", "Where is the station?"]

_PIPELINE_RUN = """
import json

import base64

import transformers

folder, kind, inputs = sys.argv[1], sys.argv[2], sys.argv[3]
pipe = transformers.pipeline(model=folder, trust_remote_code=True)
if kind == "text":
    outputs = pipe(json.loads(inputs), batch_size=2)
else:
    outputs = pipe(base64.b64decode(inputs))  # the PNG file's bytes
result = {"task": pipe.task, "module": type(pipe).__module__, "outputs": outputs}
result["leaked"] = sorted(m for m in sys.modules if m == "rnnhub" or m.startswith("rnnhub."))
print("RESULT " + json.dumps(result))
"""


def sample_png(size: int) -> bytes:
    """The picture both sides caption, as PNG bytes: a yellow square on white, ``size`` pixels a side."""
    import io

    from PIL import Image

    image = Image.new("RGB", (size, size), "white")
    image.paste((255, 200, 0), (size // 4, size // 4, 3 * size // 4, 3 * size // 4))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _installed_outputs(folder: Path, model_type: str) -> tuple[str, Any, list[str]]:
    """(task, outputs, subprocess arguments) of rnnhub's installed pipeline on the fixed inputs."""
    import base64
    import json

    from transformers import pipeline

    from rnnhub.auto import pipeline_classes

    pipeline_class = pipeline_classes()[model_type]
    task = next(iter(pipeline_class._registered_impl))
    pipe = pipeline(task, model=str(folder), pipeline_class=pipeline_class)
    if pipeline_class._load_image_processor:
        png = sample_png(int(pipe.model.config.image_size))
        return task, pipe(png), [str(folder.resolve()), "image", base64.b64encode(png).decode("ascii")]
    return task, pipe(TEXTS, batch_size=2), [str(folder.resolve()), "text", json.dumps(TEXTS)]


def check_remote_pipeline(
    folder: Path, model_type: str, run_clean: Callable[[str, list[str]], tuple[dict | None, str]]
) -> tuple[bool, str]:
    """(passed, message): the folder's pipeline without rnnhub, compared with rnnhub's installed pipeline."""
    task, expected, args = _installed_outputs(Path(folder), model_type)
    result, failure = run_clean(_PIPELINE_RUN, args)
    if result is None:
        return False, (
            f"pipeline(model=folder, trust_remote_code=True) without rnnhub failed: {failure}. Add the pipeline "
            "code with rnnhub.auto.save_pipeline_code(folder)."
        )
    if result["leaked"] or not result["module"].startswith("transformers_modules"):
        return False, f"the clean pipeline used rnnhub, not the folder's files: {result['module']}"
    if result["task"] != task:
        return False, f"pipeline(model=folder) inferred the task {result['task']!r}, expected {task!r}"
    if result["outputs"] != expected:
        return False, (
            f"the folder's pipeline gives {result['outputs']!r}, rnnhub's installed one {expected!r}: the copied "
            "pipeline files are stale; copy them again with rnnhub.auto.save_pipeline_code(folder)."
        )
    return True, (
        f"pipeline(model=folder, trust_remote_code=True) without rnnhub -> {task} "
        f"({result['module'].rsplit('.', 1)[-1]}), the same outputs as rnnhub's installed pipeline"
    )
