"""Card metadata as the Hub reads it: Hub ids with an organisation placeholder, and the checks a publish runs.

Committed cards cannot know the organisation they will be published under, so every Hub id they carry (the
model's own id in the usage snippets, ``datasets:``, ``base_model:``) is written ``<org>/NAME``
(:data:`ORG_PLACEHOLDER`). ``rnnhub publish --org ORG`` (and ``rnnhub data publish``) fill it with
:func:`fill_org` before checking and uploading, so a dry run shows and checks the card exactly as it would land.
:func:`card_problems` lists what the Hub would reject or show wrongly in a filled card.
"""

from __future__ import annotations

import re

from rnnhub.publish.licences import licence_problems

__all__ = [
    "ORG_PLACEHOLDER",
    "card_problems",
    "check_repo_id",
    "fill_org",
    "front_matter",
    "hub_id",
    "short_name",
]

ORG_PLACEHOLDER = "<org>"
_SNIPPET_ID = re.compile(r"""from_pretrained\(\s*["']([^"']+)["']""")


def hub_id(name: str, org: str = ORG_PLACEHOLDER) -> str:
    """``ORG/NAME`` for a bare name (the placeholder unless ``org`` is given); an id with a slash unchanged."""
    return name if "/" in name else f"{org}/{name}"


def short_name(repo_id: str) -> str:
    """``NAME`` of ``<org>/NAME`` (placeholder only); any other id unchanged."""
    prefix = f"{ORG_PLACEHOLDER}/"
    return repo_id[len(prefix) :] if repo_id.startswith(prefix) else repo_id


def check_repo_id(repo_id: str, what: str = "repo id") -> None:
    """Raise ValueError unless ``repo_id`` is a valid Hub id ``ORG/NAME``."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    problem = None if repo_id.count("/") == 1 else "one slash"
    if problem is None:
        try:
            validate_repo_id(repo_id)
        except HFValidationError as error:
            problem = str(error)
    if problem:
        raise ValueError(
            f"{what} {repo_id!r} must look like ORG/NAME ({problem}); e.g. rnnhub/lstm-sentiment-rt-en."
        )


def fill_org(text: str, org: str) -> str:
    """``text`` with every ``<org>/`` replaced by ``ORG/``.

    Raises:
        ValueError: ``org`` is not a valid Hub user or organisation name.
    """
    try:
        check_repo_id(f"{org}/x")
    except ValueError:
        raise ValueError(
            f"organisation {org!r} is not a Hub user or organisation name (letters, digits, '-', '_', '.'; "
            "no '--' or '..'); e.g. --org rnnhub."
        ) from None
    return text.replace(f"{ORG_PLACEHOLDER}/", f"{org}/")


def front_matter(card: str) -> str:
    """The YAML block of a card, its ``---`` lines included (the whole text when it has none)."""
    end = card.find("\n---", 3)
    return card[: end + 4] if card.startswith("---") and end > 0 else card


def card_problems(text: str, *, repo_type: str, files: set[str] = frozenset()) -> list[str]:
    """What the Hub would reject or show wrongly in the card ``text`` (a README.md, org filled in).

    ``repo_type`` is ``"model"`` or ``"dataset"``; ``files`` are the repository's files (relative paths), checked
    against a ``license_link`` file and a dataset's ``data_files``. An empty list means the card is fine.
    """
    from huggingface_hub import DatasetCard, ModelCard

    try:
        card = (ModelCard if repo_type == "model" else DatasetCard)(text)
    except Exception as error:  # the Hub rejects metadata huggingface_hub cannot parse
        return [f"the card's metadata does not parse ({type(error).__name__}: {error})"]
    metadata = card.data.to_dict()
    problems = []
    if ORG_PLACEHOLDER in text:
        problems.append(
            f"the card still says {ORG_PLACEHOLDER}; publish with --org ORG (or --repo-id ORG/NAME)"
        )
    problems += licence_problems(metadata, files)
    for field in ("datasets", "base_model"):
        values = metadata.get(field) or []
        for value in [values] if isinstance(values, str) else values:
            problems += _id_problem(value, f"{field} entry")
    if repo_type == "model":
        if not metadata.get("pipeline_tag"):
            problems.append("no pipeline_tag; the Hub would not know the model's task")
        for repo_id in dict.fromkeys(_SNIPPET_ID.findall(card.text)):
            problems += _id_problem(repo_id, "the usage snippet's from_pretrained id")
    else:
        problems += _data_file_problems(metadata, files)
    return problems


def _id_problem(repo_id: str, what: str) -> list[str]:
    if str(repo_id).startswith(f"{ORG_PLACEHOLDER}/"):
        return []  # reported once, as the placeholder left in the card
    try:
        check_repo_id(str(repo_id), what=what)
    except ValueError as error:
        return [str(error)]
    return []


def _data_file_problems(metadata: dict, files: set[str]) -> list[str]:
    problems = []
    for config in metadata.get("configs") or []:
        for entry in config.get("data_files") or []:
            path = entry.get("path") if isinstance(entry, dict) else entry
            if isinstance(path, str) and path not in files:
                problems.append(f"configs lists {path}, which the folder does not hold; rebuild the dataset")
    return problems
