"""rnnhub.data.common: archives are unpacked only inside their folder (zip, like tar's "data" filter)."""

import stat
import zipfile
from pathlib import Path

import pytest

from rnnhub.data.common import _safe_extract_zip


def _zip(path: Path, members: dict[str, bytes], link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zipped.writestr(info, "/etc/passwd")
    return path


def test_a_plain_archive_is_extracted(tmp_path):
    archive = _zip(tmp_path / "ok.zip", {"pkg/data.txt": b"rows", "pkg/sub/more.txt": b"more"})
    _safe_extract_zip(archive, tmp_path / "out")
    assert (tmp_path / "out" / "pkg" / "sub" / "more.txt").read_bytes() == b"more"


@pytest.mark.parametrize(
    ("members", "link", "message"),
    [
        (
            {"pkg/ok.txt": b"", "../escaped.txt": b"x"},
            None,
            r"a path outside the folder \('\.\./escaped\.txt'\)",
        ),
        ({"pkg/../../escaped.txt": b"x"}, None, "a path outside the folder"),
        ({"/escaped.txt": b"x"}, None, "a path outside the folder"),
        ({"pkg/ok.txt": b""}, "pkg/passwd", r"a symbolic link \('pkg/passwd'\)"),
    ],
)
def test_members_leaving_the_folder_or_links_are_refused_before_anything_is_written(
    tmp_path, members, link, message
):
    archive = _zip(tmp_path / "bad.zip", members, link)
    target = tmp_path / "deep" / "out"
    target.mkdir(parents=True)
    with pytest.raises(ValueError, match=message):
        _safe_extract_zip(archive, target)
    assert not any(target.iterdir()), "something was extracted"
    assert not (tmp_path / "deep" / "escaped.txt").exists()
