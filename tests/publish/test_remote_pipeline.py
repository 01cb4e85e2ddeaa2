"""``rnnhub publish``'s pipeline checks on tiny translation / captioning folders: custom_pipelines and the copied
pipeline files are checked before anything runs, and the folder's pipeline must give rnnhub's outputs without
rnnhub (rnnhub.publish.remote_pipeline, run through verify's clean subprocess)."""

import json

from builders import save_tiny_translator, tiny_captioner
from rnnhub.auto import save_pipeline_code
from rnnhub.publish.remote_pipeline import check_remote_pipeline
from rnnhub.publish.verify import run_clean, verify


def test_a_translation_folder_without_its_pipeline_is_refused(tmp_path):
    folder = save_tiny_translator(tmp_path / "translator")
    message = verify(folder, remote_code=False).get("code").message
    assert "custom_pipelines is None" in message and "save_pipeline_code(folder)" in message
    assert (
        "missing generation_limits.py, pipeline_rnnhub.py, pipeline_translation.py, source_text.py" in message
    )
    save_pipeline_code(folder)
    check = verify(folder, remote_code=False).get("code")
    assert check.passed and "custom_pipelines names its pipeline" in check.message


def test_a_changed_pipeline_file_or_entry_is_refused_before_it_runs(tmp_path):
    folder = save_tiny_translator(tmp_path / "translator")
    save_pipeline_code(folder)
    marker = tmp_path / "ran.txt"
    with open(folder / "pipeline_translation.py", "a", encoding="utf-8") as handle:
        handle.write(f"\nopen({str(marker)!r}, 'w').write('ran')\n")
    config = json.loads((folder / "config.json").read_text())
    config["custom_pipelines"]["rnnhub-translation"]["impl"] = "evil.Pipeline"
    (folder / "config.json").write_text(json.dumps(config))
    report = verify(folder)
    message = report.get("code").message
    assert "pipeline_translation.py differs from the installed rnnhub's (sha256)" in message
    assert "evil.Pipeline" in message and not report.ok
    assert not marker.exists(), "the tampered pipeline code ran during verification"


def test_a_classifier_may_not_name_a_custom_pipeline(tmp_path):
    from builders import save_tiny_model

    folder = save_tiny_model(tmp_path / "tiny-sentiment")
    config = json.loads((folder / "config.json").read_text())
    config["custom_pipelines"] = {"x": {"impl": "modeling_rnnhub.RnnHubModel", "pt": []}}
    (folder / "config.json").write_text(json.dumps(config))
    assert "is not an rnnhub pipeline" in verify(folder, remote_code=False).get("code").message


def test_the_translation_pipeline_without_rnnhub_gives_rnnhubs_outputs(tmp_path):
    folder = save_tiny_translator(tmp_path / "translator")
    save_pipeline_code(folder)
    passed, message = check_remote_pipeline(folder, "rnnhub-seq2seq", run_clean)
    assert passed, message
    assert "rnnhub-translation (pipeline_translation)" in message
    # A stale copy (here: one that shouts) runs, and its different outputs are caught.
    source = (folder / "pipeline_translation.py").read_text()
    (folder / "pipeline_translation.py").write_text(source.replace(".strip()}", '.strip().upper() + "!"}'))
    passed, message = check_remote_pipeline(folder, "rnnhub-seq2seq", run_clean)
    assert not passed and "stale" in message


def test_the_captioning_pipeline_without_rnnhub_gives_rnnhubs_outputs(tmp_path):
    folder = tmp_path / "captioner"
    for part in tiny_captioner():
        part.save_pretrained(folder)
    passed, message = check_remote_pipeline(folder, "rnnhub-captioning", run_clean)
    assert (
        not passed and "save_pipeline_code(folder)" in message
    )  # no custom_pipelines: the task is not inferred
    save_pipeline_code(folder)
    passed, message = check_remote_pipeline(folder, "rnnhub-captioning", run_clean)
    assert passed, message
    assert "rnnhub-image-captioning (pipeline_captioning)" in message
