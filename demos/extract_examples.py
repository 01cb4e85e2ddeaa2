"""Copy held-out pictures of the emoji-captions corpus into the demo's example folder, labelled by what the
captioner saw of them in training.

``python demos/extract_examples.py`` (re)writes ``src/rnnhub/demo/examples/*.png``, ``examples.json`` (file,
reference caption, split, emoji code, base emoji, label) and the folder's README. ``test`` pictures are of emoji
never seen in training; ``test_variants`` pictures are other skin tones / genders of emoji seen in training. The
label of each comes from :func:`rnnhub.demo.caption_examples.training_label` against the training split. The
pictures are Noto Emoji by Google (Apache-2.0), as stored in ``data/emoji-captions``.
"""

import json
from pathlib import Path

import pyarrow.parquet as pq

from rnnhub.demo.caption_examples import EXAMPLE_DIR, MANIFEST, TrainingSet, picture_digest, training_label

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "emoji-captions"
CHOSEN = {
    "test": (
        "grinning face with big eyes",
        "face with tears of joy",
        "weary cat",
        "green heart",
        "thought balloon",
        "flexed biceps",
    ),
    "test_variants": (
        "waving hand with dark skin tone",
        "man cook with medium-dark skin tone",
        "fairy with dark skin tone",
        "man surfing",
        "person biking with medium-light skin tone",
    ),
}


def main() -> None:
    train = TrainingSet.from_corpus(CORPUS)
    EXAMPLE_DIR.mkdir(parents=True, exist_ok=True)
    entries = []
    for split, captions in CHOSEN.items():
        rows = pq.read_table(
            CORPUS / f"{split}.parquet", columns=["image", "caption", "code", "group"]
        ).to_pylist()
        by_caption = {row["caption"]: row for row in rows}
        for caption in captions:
            row = by_caption[caption]
            png = row["image"]["bytes"]
            name = caption.replace(" ", "-") + ".png"
            (EXAMPLE_DIR / name).write_bytes(png)
            label = training_label(row["code"], row["group"], picture_digest(png), train)
            entries.append(
                {
                    "file": name,
                    "caption": caption,
                    "split": split,
                    "code": row["code"],
                    "group": row["group"],
                    "label": label,
                }
            )
    (EXAMPLE_DIR / MANIFEST).write_text(
        json.dumps(entries, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    lines = [
        "# Example images for the captioning tab",
        "",
        "Pictures from the `test` and `test_variants` splits of `data/emoji-captions` (written by",
        '`demos/extract_examples.py`, listed with their labels in `examples.json`). "never seen": no picture of',
        'this emoji was in training; "seen in training (variant)": this picture was not, but another skin tone or',
        "gender of the same emoji was. Noto Emoji by Google, Apache License 2.0 (as shipped in npm",
        "`emoji-datasource-google` 16.0.0).",
        "",
        "| file | reference caption | split | label |",
        "|---|---|---|---|",
    ]
    lines += [f"| {e['file']} | {e['caption']} | {e['split']} | {e['label']} |" for e in entries]
    (EXAMPLE_DIR / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
