"""Copy a few held-out test-split pictures of the emoji-captions corpus into the demo's example folder.

``python demos/extract_examples.py`` (re)writes ``src/rnnhub/demo/examples/*.png`` and its README. The pictures are
Noto Emoji by Google (Apache-2.0), as stored in ``data/emoji-captions/test.parquet``; the captioning model never
trained on them.
"""

from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "rnnhub" / "demo" / "examples"
CAPTIONS = (
    "grinning face with big eyes",
    "face with tears of joy",
    "weary cat",
    "green heart",
    "thought balloon",
    "flexed biceps",
)

if __name__ == "__main__":
    rows = pq.read_table(
        ROOT / "data" / "emoji-captions" / "test.parquet", columns=["image", "caption"]
    ).to_pylist()
    by_caption = {row["caption"]: row for row in rows}
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Example images for the captioning tab",
        "",
        "Held-out pictures from the test split of `data/emoji-captions` (written by `demos/extract_examples.py`).",
        "Noto Emoji by Google, Apache License 2.0 (as shipped in npm `emoji-datasource-google` 16.0.0).",
        "",
        "| file | reference caption |",
        "|---|---|",
    ]
    for caption in CAPTIONS:
        name = caption.replace(" ", "-") + ".png"
        (OUT / name).write_bytes(by_caption[caption]["image"]["bytes"])
        lines.append(f"| {name} | {caption} |")
    (OUT / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
