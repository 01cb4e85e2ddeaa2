"""Card metadata the Hub accepts: its licence ids, `other` with a name and link, `<org>/NAME` ids filled at publish,
and the committed cards checked the way `rnnhub publish --dry-run` checks them."""

from __future__ import annotations

from pathlib import Path

import pytest
from huggingface_hub import ModelCard

from publish.test_cards import card_kwargs
from rnnhub.data.publish import publish_dataset
from rnnhub.publish.cards import make_model_card
from rnnhub.publish.hub import final_card
from rnnhub.publish.hub_metadata import card_problems, fill_org, front_matter, hub_id
from rnnhub.publish.licences import hub_licence_ids, licence_fields, licence_problems
from rnnhub.publish.refresh import refresh_dataset_card, refresh_model_card

ROOT = Path(__file__).resolve().parents[2]
MODEL_FOLDERS = sorted(p.parent for p in (ROOT / "model_cards").glob("*/README.md"))
DATA_FOLDERS = sorted(p.parent for p in (ROOT / "data").glob("*/README.md"))

# The front matter and snippet a card had before this change: what the Hub rejects or shows wrongly.
OLD_CARD = """---
base_model: lstm-lm-en
datasets:
- ding-de-en
license: gpl-2.0-or-later
pipeline_tag: translation
---

```python
model = AutoModelForSeq2SeqLM.from_pretrained("lstm-translation-de-en")
```
"""


def test_the_hub_licence_list_is_the_documented_one():
    ids = hub_licence_ids()
    assert len(ids) == 69
    assert {"apache-2.0", "mit", "gpl-2.0", "mpl-2.0", "pddl", "cc0-1.0", "unknown", "other"} <= ids
    assert "gpl-2.0-or-later" not in ids and "psf-2.0" not in ids


def test_licence_fields():
    assert licence_fields("mpl-2.0") == {"license": "mpl-2.0"}
    assert licence_fields("Apache-2.0") == {"license": "apache-2.0"}
    assert licence_fields("gpl-2.0-or-later") == {
        "license": "other",
        "license_name": "gpl-2.0-or-later",
        "license_link": "https://spdx.org/licenses/GPL-2.0-or-later.html",
    }
    assert licence_fields("other", default_name="same-as-x", default_link="https://x") == {
        "license": "other",
        "license_name": "same-as-x",
        "license_link": "https://x",
    }
    assert licence_fields(["pddl", "psf-2.0"]) == {
        "license": ["pddl", "other"],
        "license_name": "psf-2.0",
        "license_link": "https://docs.python.org/3/license.html",
    }
    with pytest.raises(ValueError, match="needs a license_name and a license_link"):
        licence_fields("other")
    with pytest.raises(ValueError, match="'wtf-1.0' is not a Hub licence id"):
        licence_fields("wtf-1.0")
    with pytest.raises(ValueError, match="can name one licence outside"):
        licence_fields(["gpl-2.0-or-later", "psf-2.0"])


def test_licence_problems():
    assert licence_problems({"license": "mit"}) == []
    assert (
        licence_problems({"license": "other", "license_name": "x", "license_link": "LICENSE"}, {"LICENSE"})
        == []
    )
    problems = licence_problems({"license": "other", "license_name": "Not A Slug", "license_link": "LICENSE"})
    assert len(problems) == 2
    assert "lowercase id" in problems[0] and "neither a URL nor a file" in problems[1]
    assert "no `license`" in licence_problems({})[0]


def test_fill_org_and_hub_id():
    assert hub_id("lstm-lm-en") == "<org>/lstm-lm-en" and hub_id("me/x") == "me/x"
    assert hub_id("x", org="me") == "me/x"
    assert fill_org('from_pretrained("<org>/x")', "me") == 'from_pretrained("me/x")'
    with pytest.raises(ValueError, match="not a Hub user or organisation name"):
        fill_org("<org>/x", "bad org")


def test_an_old_card_is_refused_with_every_reason():
    problems = card_problems(OLD_CARD, repo_type="model")
    text = "\n".join(problems)
    assert "'gpl-2.0-or-later' is not a Hub licence id" in text
    assert "datasets entry 'ding-de-en' must look like ORG/NAME" in text
    assert "base_model entry 'lstm-lm-en' must look like ORG/NAME" in text
    assert "from_pretrained id 'lstm-translation-de-en' must look like ORG/NAME" in text
    assert len(problems) == 4


def test_a_card_with_the_placeholder_left_is_refused():
    problems = card_problems(OLD_CARD.replace("lstm-lm-en", "<org>/lstm-lm-en"), repo_type="model")
    assert any("still says <org>" in p for p in problems)


def test_unparsable_metadata_is_refused():
    (problem,) = card_problems("---\nmodel-index: 3\n---\n", repo_type="model")
    assert "does not parse" in problem


def test_a_new_card_names_hub_ids_and_a_licence_the_hub_takes():
    card = make_model_card(
        **card_kwargs(
            model_id="lstm-x", datasets=["ding-de-en"], base_model="lstm-lm-en", license="gpl-2.0-or-later"
        )
    )
    data = card.data
    assert data.datasets == ["<org>/ding-de-en"] and data.base_model == "<org>/lstm-lm-en"
    assert (data.license, data.license_name) == ("other", "gpl-2.0-or-later")
    assert 'from_pretrained("<org>/lstm-x")' in card.text
    assert card_problems(fill_org(str(card), "me"), repo_type="model") == []
    # The rewrite of committed cards applies the same rules: nothing left to change.
    assert refresh_model_card(str(card)) == str(card)


def test_other_defaults_to_the_training_data_terms():
    data = make_model_card(**card_kwargs(license="other", datasets=["rt-sentiment-en"])).data
    assert data.license_name == "same-as-rt-sentiment-en"
    assert data.license_link == "https://huggingface.co/datasets/<org>/rt-sentiment-en"


def test_a_licence_the_hub_rejects_is_kept_for_publish_to_refuse():
    # Raising at the end of a training run would lose it; publish refuses the card with the reason instead.
    card = make_model_card(**card_kwargs(license="my-licence"))
    assert card.data.license == "my-licence"
    assert "'my-licence' is not a Hub licence id" in card_problems(str(card), repo_type="model")[0]


@pytest.mark.parametrize("folder", MODEL_FOLDERS, ids=lambda p: p.name)
def test_committed_model_cards_pass_the_publish_checks(folder):
    card = final_card(folder, "rnnhub", repo_type="model")
    assert "<org>" not in card and f'from_pretrained("rnnhub/{folder.name}"' in card
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert refresh_model_card(text) == text  # committed cards follow the generators' rules
    assert card_problems(text, repo_type="model") == [
        "the card still says <org>; publish with --org ORG (or --repo-id ORG/NAME)"
    ]
    data = ModelCard(card).data
    assert data.datasets and all(name.startswith("rnnhub/") for name in data.datasets)
    assert data.license in ("mit", "mpl-2.0") or (data.license_name and data.license_link)


@pytest.mark.parametrize("folder", DATA_FOLDERS, ids=lambda p: p.name)
def test_committed_dataset_cards_pass_the_publish_checks(folder):
    card = publish_dataset(folder.name, f"rnnhub/{folder.name}", root=folder.parent, dry_run=True)
    assert front_matter(card).startswith("---\n") and front_matter(card).endswith("\n---")
    assert refresh_dataset_card(folder) == (folder / "README.md").read_text(encoding="utf-8")
