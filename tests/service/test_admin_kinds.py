"""The table of knowledge kinds drives the admin: its routes, its labels, the page's menu and lists."""

from __future__ import annotations

from typing import Any

import pytest

from service.admin.kinds import KIND_LIST, KINDS, Kind, edited_kinds
from service.admin.routes.page import ASSETS
from tests.service.test_admin_helpers import Staff

pytest_plugins = ["tests.service.test_admin_helpers"]

# A new entry for kinds the test knowledge base seeds none of (others copy their first entry).
NEW_ENTRIES = {
    "checkup": {
        "id": "kinds-financing",
        "section": "apply",
        "when": {"plans": ["融资"]},
        "ref": {"kind": "rule", "id": "pledge-subsidy", "fields": ["eligible", "rate_and_cap"]},
        "reason": "您有融资打算。",
    },
    "station_type": {
        "code": "patent_station",
        "label": "专利工作站",
        "serves": "专利申请和专利布局",
        "bring": "技术交底材料",
        "source": "示例来源",
        "ip_types": ["专利"],
    },
}


def new_entry(staff: Staff, kind: Kind) -> dict[str, Any]:
    """Data of an entry not yet in the draft: a copy of the first seeded one under a new key."""
    if kind.code in NEW_ENTRIES:
        return NEW_ENTRIES[kind.code]
    first = staff.get(f"/admin/api/{kind.resource}").json()[0]["data"]
    return {**first, kind.key_field: f"{first[kind.key_field]}-copy"}


def test_the_kinds_are_served_with_their_labels(editor: Staff) -> None:
    served = {row["code"]: row for row in editor.get("/admin/api/kinds").json()}
    assert list(served) == [kind.code for kind in KIND_LIST]
    for kind in KIND_LIST:
        row = served[kind.code]
        assert (row["label"], row["resource"], row["key_field"]) == (
            kind.label,
            kind.resource,
            kind.key_field,
        )
        assert row["fields"] == dict(kind.fields) and (not kind.key_field or kind.key_field in row["fields"])
        assert row["title_label"] == kind.fields.get(kind.title_field, "名称")


@pytest.mark.parametrize("kind", edited_kinds(), ids=lambda kind: kind.code)
def test_every_edited_kind_has_working_routes(editor: Staff, kind: Kind) -> None:
    base = f"/admin/api/{kind.resource}"
    data = new_entry(editor, kind)
    key = str(data[kind.key_field])
    created = editor.post(base, json=data)
    assert created.status_code == 201, created.text
    assert created.json()["key"] == key and created.json()["title"] == str(data[kind.title_field])
    assert key in [row["key"] for row in editor.get(base).json()]
    read = editor.get(f"{base}/{key}")
    assert read.status_code == 200 and read.headers["etag"] == '"1"'
    assert editor.put(f"{base}/{key}", json=read.json()["data"]).json()["version"] == 1  # no change
    again = editor.post(base, json=data)
    assert again.status_code == 422 and kind.key_field in again.json()["errors"]
    assert kind.fields[kind.key_field] in again.json()["errors"][kind.key_field]
    versions = editor.get("/admin/api/versions", params={"kind": kind.code, "key": key}).json()
    assert versions[0]["kind_label"] == kind.label
    assert editor.delete(f"{base}/{key}").status_code == 200
    assert editor.get(f"{base}/{key}").status_code == 404


def test_the_table_is_complete_and_consistent() -> None:
    assert set(KINDS) == {
        "document", "rule", "station_type", "station", "faq", "checkup", "term", "locations",
    }  # fmt: skip
    resources = [kind.resource for kind in edited_kinds()]
    assert len(set(resources)) == len(resources)
    for kind in KIND_LIST:
        assert kind.title_field in kind.fields or not kind.title_field, kind.code
        assert set(kind.choices) <= set(kind.fields), kind.code
        assert not kind.reviewable or kind.searched, kind.code  # only searched entries are audited


def test_the_page_reads_kind_names_from_the_table() -> None:
    """No script or page hard-codes which kinds exist or what they are called."""
    files = [ASSETS / "index.html", *ASSETS.glob("*.js")]
    for file in files:
        text = file.read_text(encoding="utf-8")
        for kind in KIND_LIST:
            assert f'"{kind.label}"' not in text and f">{kind.label}<" not in text, (file.name, kind.label)
    core = (ASSETS / "core.js").read_text(encoding="utf-8")
    assert 'api("GET", "/kinds")' in core
