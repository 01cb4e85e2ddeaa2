"""Licence metadata the Hugging Face Hub accepts: its list of licence ids and the ``license: other`` rule.

The Hub knows a fixed list of ids (``hub_licenses.txt``, copied from its documentation; huggingface_hub does not
ship one). A licence outside that list goes in a card as ``license: other`` with a ``license_name`` (a lowercase
slug) and a ``license_link`` (a URL, or a file of the repository such as ``LICENSE``). :func:`licence_fields` turns
the licence ids rnnhub's corpora use into those fields; :func:`licence_problems` says what the Hub would reject.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

__all__ = ["NON_HUB_LICENCES", "hub_licence_ids", "licence_fields", "licence_problems"]

LICENCE_LIST = Path(__file__).with_name("hub_licenses.txt")

# Licences our corpora carry that are not Hub ids: the card says `other` and names them by SPDX id and text.
NON_HUB_LICENCES = {
    "gpl-2.0-or-later": "https://spdx.org/licenses/GPL-2.0-or-later.html",
    "psf-2.0": "https://docs.python.org/3/license.html",
}
_SLUG = re.compile(r"[a-z0-9][a-z0-9.+-]*")


@cache
def hub_licence_ids() -> frozenset[str]:
    """The licence ids the Hub accepts (the data file's lines, comments left out)."""
    lines = LICENCE_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def licence_fields(
    licence: str | list[str],
    *,
    name: str | None = None,
    link: str | None = None,
    default_name: str | None = None,
    default_link: str | None = None,
) -> dict[str, str | list[str]]:
    """The card fields for ``licence``: ``{"license": id}`` for a Hub id (or a list of them), else
    ``license: other`` with ``license_name`` and ``license_link``.

    ``name``/``link`` are used when given; a licence of :data:`NON_HUB_LICENCES` gets its SPDX id and official text;
    a bare ``other`` falls back to ``default_name``/``default_link`` (e.g. "same as the training data", linking to
    that dataset's card).

    Raises:
        ValueError: the licence is neither a Hub id nor known here, or ``other`` comes with no name or link.
    """
    ids = hub_licence_ids()
    licence = [item.lower() for item in licence] if isinstance(licence, list) else str(licence).lower()
    if isinstance(licence, list):
        # Several licences (a corpus of several sources): Hub ids stay, one licence the Hub lacks becomes `other`.
        outside = [item for item in licence if item not in ids or item == "other"]
        if not outside:
            return {"license": list(licence)}
        if len(outside) > 1:
            raise ValueError(
                f"licences {outside} are not Hub licence ids; a card can name one licence outside the Hub's list "
                "(as 'other' with its name and link)."
            )
        fields = licence_fields(
            outside[0], name=name, link=link, default_name=default_name, default_link=default_link
        )
        return {**fields, "license": [item if item != outside[0] else "other" for item in licence]}
    if licence in ids and licence != "other":
        return {"license": licence}
    if licence in NON_HUB_LICENCES:
        name, link = name or licence, link or NON_HUB_LICENCES[licence]
    elif licence == "other":
        name, link = name or default_name, link or default_link
    else:
        raise ValueError(
            f"licence {licence!r} is not a Hub licence id (see {LICENCE_LIST.name} or "
            "https://huggingface.co/docs/hub/repositories-licenses); use one of them, or 'other' with a licence "
            "name and link."
        )
    if not name or not link:
        raise ValueError(
            "licence 'other' needs a license_name and a license_link (a URL or a file of the repository); "
            "give both."
        )
    return {"license": "other", "license_name": name, "license_link": link}


def licence_problems(metadata: dict, files: set[str] = frozenset()) -> list[str]:
    """What the Hub would reject or show wrongly in a card's licence fields; ``files`` are the repository's
    files, for a ``license_link`` that names one."""
    licence = metadata.get("license")
    if not licence:
        return ["no `license`; give a Hub licence id"]
    licences = licence if isinstance(licence, list) else [licence]
    problems = [
        f"license {item!r} is not a Hub licence id (use one of {LICENCE_LIST.name}, or 'other' with "
        "license_name and license_link)"
        for item in licences
        if item not in hub_licence_ids()
    ]
    if "other" not in licences:
        return problems
    name, link = metadata.get("license_name"), metadata.get("license_link")
    if not name or not _SLUG.fullmatch(str(name)):
        problems.append(
            f"license is 'other' but license_name is {name!r}; give a lowercase id such as 'gpl-2.0-or-later'"
        )
    if not link:
        problems.append(
            "license is 'other' but license_link is missing; give a URL or a file of the repository"
        )
    elif not re.match(r"https?://", str(link)) and str(link).split("#")[0] not in files:
        problems.append(f"license_link {link!r} is neither a URL nor a file of the repository")
    return problems
