"""Copy held-out pictures of the emoji-captions and clipart-captions corpora into the demo's example folder,
labelled by what the captioner saw of them in training.

``python demos/extract_examples.py`` (re)writes ``src/rnnhub/demo/examples/*.png``, ``examples.json`` (file,
reference caption, split, emoji code, base emoji, label) and the folder's README. ``test`` pictures are of emoji
never seen in training; ``test_variants`` pictures are other skin tones / genders of emoji seen in training. The
label of each comes from :func:`rnnhub.demo.caption_examples.training_label` against the emoji training split. The
emoji pictures are Noto Emoji by Google (Apache-2.0), as stored in ``data/emoji-captions``; the clip-art ones are
drawings from the ``test`` split of ``data/clipart-captions`` (Open Clip Art Library, public domain only, so the
package ships nothing under another licence), a corpus the published captioner never trained on.
"""

import json
from pathlib import Path

import pyarrow.parquet as pq

from rnnhub.demo.caption_examples import (
    CLIPART,
    CODE_COLUMNS,
    EMOJI,
    EXAMPLE_DIR,
    MANIFEST,
    TrainingSet,
    picture_digest,
    training_label,
)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / EMOJI
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
# Clip-art test pictures by id: everyday things a person names at a glance, public domain (openclipart).
CLIPART_CHOSEN = (
    "openclipart/animals/birds/hen_01",
    "openclipart/animals/mammals/housecats/kitten_gerald_g._01",
    "openclipart/food/desserts/ice_cream_cone_linda_kim_01",
    "openclipart/buildings/homes/lighthouse_matthew_gates_",
    "openclipart/recreation/sports/soccer_ball_ganson",
    "openclipart/recreation/music/saxophone_jarno_vasamaa_",
)


def _entry(corpus: str, split: str, row: dict, name: str, train: TrainingSet) -> dict:
    png = row["image"]["bytes"]
    (EXAMPLE_DIR / name).write_bytes(png)
    code = row[CODE_COLUMNS[corpus]]
    return {
        "file": name,
        "caption": row["caption"],
        "split": split,
        "code": code,
        "group": row["group"],
        "label": training_label(code, row["group"], picture_digest(png), train),
        "corpus": corpus,
    }


def main() -> None:
    train = TrainingSet.from_corpus(CORPUS)
    EXAMPLE_DIR.mkdir(parents=True, exist_ok=True)
    entries, credits = [], {}
    for split, captions in CHOSEN.items():
        rows = pq.read_table(
            CORPUS / f"{split}.parquet", columns=["image", "caption", "code", "group"]
        ).to_pylist()
        by_caption = {row["caption"]: row for row in rows}
        for caption in captions:
            entries.append(
                _entry(EMOJI, split, by_caption[caption], caption.replace(" ", "-") + ".png", train)
            )
    rows = pq.read_table(
        ROOT / "data" / CLIPART / "test.parquet",
        columns=["image", "caption", "id", "group", "licence", "attribution"],
    ).to_pylist()
    by_id = {row["id"]: row for row in rows}
    for picture in CLIPART_CHOSEN:
        row = by_id[picture]
        name = "clipart-" + row["caption"].lower().replace(" ", "-") + ".png"
        entries.append(_entry(CLIPART, "test", row, name, train))
        credits[name] = f"{row['attribution']}, {row['licence']}"
    (EXAMPLE_DIR / MANIFEST).write_text(
        json.dumps(entries, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    lines = [
        "# Example images for the captioning tab",
        "",
        "Pictures from the `test` and `test_variants` splits of `data/emoji-captions` and the `test` split of",
        "`data/clipart-captions` (written by `demos/extract_examples.py`, listed with their labels in",
        '`examples.json`). "never seen": no picture of this emoji was in training, or (clip art) the drawing comes',
        'from a corpus the captioner never trained on; "seen in training (variant)": this picture was not, but',
        "another skin tone or gender of the same emoji was. Emoji: Noto Emoji by Google, Apache License 2.0 (as",
        "shipped in npm `emoji-datasource-google` 16.0.0). Clip art: Open Clip Art Library drawings (Debian",
        "`openclipart-svg`), public domain; authors below.",
        "",
        "| file | reference caption | corpus | split | label | author, licence |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {e['file']} | {e['caption']} | {e['corpus']} | {e['split']} | {e['label']} | "
        f"{credits.get(e['file'], 'Google, Apache-2.0')} |"
        for e in entries
    ]
    (EXAMPLE_DIR / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
