"""Evidence packs (api/exports.py, register/evidence.py): unzip, verify every hash, and find in
them what the API shows; only what the person may see, only what existed at the instant."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client

from api import exports
from register import evidence, services
from register.choices import DecisionKind, LifecycleStage, ReviewOutcome
from register.models import UseCase
from register.services.use_cases import ActionSpec
from tests import factories
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# A Tuesday in winter (UTC+1 in Amsterdam); day 31 is in summer time (UTC+2).
T0 = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)
PARTS = ("assessments", "decisions", "obligations", "reviews", "incidents", "audit-events")


def _at(days: int) -> time_machine.travel:
    return time_machine.travel(T0 + dt.timedelta(days=days), tick=False)


def _chatbot() -> UseCase:
    """Unit A's chatbot: classified (day 0), submitted (1), approved with an action (2), a duty
    done with evidence (3), the action done (10), an incident (20), reviewed (30)."""
    with _at(0):
        owner = UserFactory.create(username="sanne", first_name="Sanne", last_name="Bakker")
        chair = factories.committee_member("kees", first_name="Kees", last_name="Jansen")
        use_case = factories.use_case(
            unit=factories.business_unit("Unit A"),
            owner=owner,
            lifecycle_stage=LifecycleStage.PILOT,
            customer_facing=True,
            pilot_scope="Orders only",
            pilot_end_date=dt.date(2026, 6, 30),
            stop_criteria="More than 5% wrong answers",
        )
        services.use_case_classify(
            acting_user=owner,
            use_case=use_case,
            answers={"AI_SYSTEM": True, "ROLE_DEPLOYER": True, "ART50_1": True},
        )
    with _at(1):
        services.use_case_submit(acting_user=owner, use_case=use_case)
    with _at(2):
        decision = services.decision_record(
            acting_user=chair,
            use_case=use_case,
            kind=DecisionKind.APPROVE,
            conditions="Check the notice",
            actions=[ActionSpec(description="Check the notice", owner=owner, due_date=dt.date(2026, 4, 1))],
        )
    with _at(3):
        duty = use_case.obligations.order_by("id").first()
        assert duty is not None
        services.obligation_mark_done(
            acting_user=chair, item=duty, evidence_url="https://wiki.example.org/notice"
        )
    with _at(10):
        services.action_complete(acting_user=owner, action=decision.actions.get(), note="=SUM(1)")
    with _at(20):
        services.incident_record(
            acting_user=owner,
            use_case=use_case,
            what_happened="The chatbot promised a refund we do not give",
            happened_at=T0 + dt.timedelta(days=19),
            aware_at=T0 + dt.timedelta(days=19, hours=2),
            seriousness="",
            severity=2,
        )
    with _at(30):
        services.review_record(
            acting_user=chair,
            use_case=use_case,
            due_date=dt.date(2026, 4, 1),
            outcome=ReviewOutcome.CONTINUE,
            findings="Notice fine",
            goal_met=True,
        )
    use_case.refresh_from_db()
    return use_case


def _unzip(response: Any) -> dict[str, bytes]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/zip"
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as pack:
        assert pack.testzip() is None
        return {name: pack.read(name) for name in pack.namelist()}


def _json(files: dict[str, bytes], name: str) -> Any:
    return json.loads(files[name])


def _csv(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    assert files[name].startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(files[name].decode("utf-8-sig"), newline="")))


def _pack_url(use_case: UseCase) -> str:
    return f"/api/v1/use-cases/{use_case.pk}/evidence-pack.zip"


def test_it_packs_a_use_case_with_hashes_that_verify(auditor: Client, tmp_path: Path) -> None:
    use_case = _chatbot()
    with _at(31):
        response = auditor.get(_pack_url(use_case))
    files = _unzip(response)
    assert response["Content-Disposition"] == (
        'attachment; filename="koers-evidence-AI-2026-0001-2026-04-03.zip"'
    )
    assert sorted(files) == [
        "AI-2026-0001/assessments.csv",
        "AI-2026-0001/assessments.json",
        "AI-2026-0001/audit-events.csv",
        "AI-2026-0001/audit-events.json",
        "AI-2026-0001/decisions.csv",
        "AI-2026-0001/decisions.json",
        "AI-2026-0001/incidents.csv",
        "AI-2026-0001/incidents.json",
        "AI-2026-0001/obligations.csv",
        "AI-2026-0001/obligations.json",
        "AI-2026-0001/reviews.csv",
        "AI-2026-0001/reviews.json",
        "AI-2026-0001/use-case.json",
        "SHA256SUMS",
        "manifest.json",
    ]
    manifest = _json(files, "manifest.json")
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert sorted(listed) == sorted(set(files) - {"SHA256SUMS", "manifest.json"})
    for path, entry in listed.items():
        assert entry == {
            "path": path,
            "sha256": hashlib.sha256(files[path]).hexdigest(),
            "size": len(files[path]),
        }
    lines = [line.split("  ", 1) for line in files["SHA256SUMS"].decode().splitlines()]
    sums = {path: digest for digest, path in lines}
    assert sorted(sums) == sorted(set(files) - {"SHA256SUMS"})
    assert all(hashlib.sha256(files[path]).hexdigest() == digest for path, digest in sums.items())
    if shutil.which("sha256sum"):  # what the README tells an auditor to run
        for path, content in files.items():
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_bytes(content)
        check = subprocess.run(
            ["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, check=False
        )
        assert check.returncode == 0, check.stdout


def test_it_says_in_the_manifest_what_when_for_whom_and_as_of_when(auditor: Client) -> None:
    use_case = _chatbot()
    with _at(31):
        manifest = _json(_unzip(auditor.get(_pack_url(use_case))), "manifest.json")
    auditor_id = manifest["generated_by"]["id"]
    assert {key: value for key, value in manifest.items() if key != "files"} == {
        "what": "koers.evidence_pack",
        "generated_at": "2026-04-03T11:00:00+02:00",
        "generated_by": {"id": auditor_id, "username": "auditor"},
        "as_of": "2026-04-03T11:00:00+02:00",
        "filters": {},
        "use_cases": [{"id": use_case.pk, "reference": "AI-2026-0001", "folder": "AI-2026-0001"}],
    }
    assert auditor_id == UserFactory._meta.model.objects.get(username="auditor").pk


def _results(client: Client, url: str) -> list[dict[str, Any]]:
    page = client.get(url, {"page_size": 500}).json()
    assert page["next"] is None
    return page["results"]  # type: ignore[no-any-return]


def test_it_holds_the_detail_and_the_records_as_the_api_shows_them(auditor: Client) -> None:
    use_case = _chatbot()
    pk = use_case.pk
    with _at(31):
        files = _unzip(auditor.get(_pack_url(use_case)))
        assert _json(files, "AI-2026-0001/use-case.json") == auditor.get(f"/api/v1/use-cases/{pk}/").json()
        api = {
            "assessments": _results(auditor, f"/api/v1/assessments/?use_case={pk}"),
            "decisions": _results(auditor, f"/api/v1/decisions/?use_case={pk}"),
            "obligations": _results(auditor, f"/api/v1/obligations/?use_case={pk}"),
            "reviews": _results(auditor, f"/api/v1/reviews/?use_case={pk}"),
            "incidents": _results(auditor, f"/api/v1/incidents/?use_case={pk}"),
            "audit-events": _results(auditor, f"/api/v1/use-cases/{pk}/history/"),
        }
    for part in PARTS:
        assert _json(files, f"AI-2026-0001/{part}.json") == api[part], part
    # Audit events: as many as the history holds (compared above), however many services write.
    assert [len(api[part]) for part in PARTS[:-1]] == [1, 1, 2, 1, 1]


def test_it_writes_each_part_as_csv_with_the_same_records(auditor: Client) -> None:
    use_case = _chatbot()
    with _at(31):
        files = _unzip(auditor.get(_pack_url(use_case)))
    for part in PARTS:
        records, rows = _json(files, f"AI-2026-0001/{part}.json"), _csv(files, f"AI-2026-0001/{part}.csv")
        assert [row["id"] for row in rows] == [str(record["id"]) for record in records], part
    decisions = _csv(files, "AI-2026-0001/decisions.csv")
    assert list(decisions[0]) == [
        "id",
        "use_case",
        "kind",
        "scope",
        "conditions",
        "end_date",
        "justification",
        "meeting",
        "decided_by.id",
        "decided_by.username",
        "decided_by.name",
        "decided_at",
        "actions",
    ]
    assert decisions[0]["decided_by.name"] == "Kees Jansen"
    assert decisions[0]["decided_at"] == "2026-03-05T10:00:00+01:00"
    action = json.loads(decisions[0]["actions"])[0]
    assert (action["description"], action["due_date"]) == ("Check the notice", "2026-04-01")
    assert action["done_at"] == "2026-03-13T10:00:00+01:00"
    done = [row for row in _csv(files, "AI-2026-0001/obligations.csv") if row["status"] == "done"]
    assert [(row["evidence_url"], row["done_by.username"]) for row in done] == [
        ("https://wiki.example.org/notice", "kees")
    ]
    completed = [
        r for r in _csv(files, "AI-2026-0001/audit-events.csv") if r["action"] == "register.action.completed"
    ]
    assert completed[0]["justification"] == "'=SUM(1)"  # guarded: text, not a formula


def test_it_keeps_to_what_existed_at_the_instant() -> None:
    use_case = _chatbot()
    # Day 5: approved and a duty done; the action still open; no incident, no review yet.
    held = evidence.holdings_at([use_case.pk], T0 + dt.timedelta(days=5))[use_case.pk]
    assert [a.risk_tier for a in held.assessments] == ["limited"]
    assert [d.kind for d in held.decisions] == ["approve"]
    assert [a.done_at for a in held.decisions[0].action_list] == [None]  # type: ignore[attr-defined]
    assert held.reviews == []
    assert held.incidents == []
    actions = [event.action for event in held.audit_events]
    assert [action for action in actions if action.startswith("register.use_case.")] == [
        "register.use_case.created",
        "register.use_case.classified",
        "register.use_case.submitted",
        "register.use_case.approved",
    ]
    assert "register.obligation.done" in actions
    assert "register.action.completed" not in actions
    assert "register.incident.recorded" not in actions
    assert evidence.holdings_at([use_case.pk], T0 - dt.timedelta(seconds=1)) == {
        use_case.pk: evidence.Holdings()
    }


def test_it_shows_the_use_case_as_the_detail_does_as_of_an_instant(auditor: Client) -> None:
    use_case = _chatbot()
    instant = "2026-03-08T09:00:00Z"  # day 5
    with _at(31):
        files = _unzip(auditor.get(_pack_url(use_case), {"as_of": instant}))
        detail = auditor.get(f"/api/v1/use-cases/{use_case.pk}/", {"as_of": instant}).json()
    assert _json(files, "AI-2026-0001/use-case.json") == detail
    assert _json(files, "AI-2026-0001/obligations.json") == detail["obligations"]
    assert [len(_json(files, f"AI-2026-0001/{part}.json")) for part in PARTS[:-1]] == [1, 1, 2, 0, 0]
    assert _json(files, "manifest.json")["as_of"] == "2026-03-08T10:00:00+01:00"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("auditor", 200),
        ("committee", 200),
        ("member_a", 200),
        ("member_b", 404),
        ("outsider", 404),
        ("anonymous", 401),
    ],
    indirect=["persona"],
)
def test_it_packs_only_a_use_case_the_person_may_see(persona: Client, status: int) -> None:
    use_case = _chatbot()
    response = persona.get(_pack_url(use_case), headers={"Accept": "application/zip"})
    assert response.status_code == status
    if status != 200:
        assert response["Content-Type"] == "application/json"
        assert response.json()["type"] == "client_error"


@pytest.mark.parametrize("pk", ["0", "999999", "99999999999999999999999"])
def test_it_answers_404_for_a_use_case_that_is_not_there(auditor: Client, pk: str) -> None:
    response = auditor.get(f"/api/v1/use-cases/{pk}/evidence-pack.zip", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
    }


def test_it_packs_the_filtered_register(auditor: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "PACK_CHUNK", 1)  # several chunks: the pack must not care
    chatbot = _chatbot()
    with _at(31):
        draft = factories.use_case(name="Rooster planner", unit=chatbot.business_unit, complete=False)
        factories.use_case(name="Elsewhere", unit=factories.business_unit("Unit B"))
        unit = str(chatbot.business_unit_id)
        response = auditor.get("/api/v1/export/evidence-pack.zip", {"business_unit": unit})
    assert response["Content-Disposition"] == 'attachment; filename="koers-evidence-pack-2026-04-03.zip"'
    files = _unzip(response)
    manifest = _json(files, "manifest.json")
    assert manifest["filters"] == {"business_unit": [unit]}
    assert manifest["use_cases"] == [
        {"id": chatbot.pk, "reference": "AI-2026-0001", "folder": "AI-2026-0001"},
        {"id": draft.pk, "reference": None, "folder": f"use-case-{draft.pk}"},
    ]
    assert _json(files, f"use-case-{draft.pk}/use-case.json")["name"] == "Rooster planner"
    assert _json(files, f"use-case-{draft.pk}/decisions.json") == []
    assert files[f"use-case-{draft.pk}/decisions.csv"].decode("utf-8-sig").startswith("id,use_case,kind,")
    assert len([name for name in files if name.startswith("AI-2026-0001/")]) == 13


def test_it_packs_a_members_own_units_only(member_b: Client) -> None:
    _chatbot()
    with _at(31):
        files = _unzip(member_b.get("/api/v1/export/evidence-pack.zip"))
    assert _json(files, "manifest.json")["use_cases"] == []
    assert sorted(files) == ["SHA256SUMS", "manifest.json"]


def test_it_asks_to_filter_a_set_too_large_for_one_pack(
    auditor: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "PACK_LIMIT", 2)
    for name in ("One", "Two", "Three"):
        factories.use_case(name=name)
    response = auditor.get("/api/v1/export/evidence-pack.zip", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "errors": [
            {
                "code": "too_many",
                "detail": "More than 2 use-cases for one pack: narrow the set down with the filters.",
                "attr": None,
            }
        ],
    }
    assert auditor.get("/api/v1/export/evidence-pack.zip", {"status": "draft"}).status_code == 400
    assert auditor.get("/api/v1/export/evidence-pack.zip", {"lifecycle_stage": "pilot"}).status_code == 200


def test_it_answers_404_for_a_use_case_not_yet_registered_at_the_instant(auditor: Client) -> None:
    use_case = _chatbot()
    with _at(31):
        response = auditor.get(_pack_url(use_case), {"as_of": "2026-03-01T00:00:00Z"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_it_packs_the_filtered_register_as_of_an_instant(auditor: Client) -> None:
    chatbot = _chatbot()
    with _at(31):
        factories.use_case(name="Later", unit=chatbot.business_unit)
        approved_then = _unzip(
            auditor.get(
                "/api/v1/export/evidence-pack.zip", {"as_of": "2026-03-08T09:00:00Z", "status": "approved"}
            )
        )
        before = _unzip(auditor.get("/api/v1/export/evidence-pack.zip", {"as_of": "2026-03-01T00:00:00Z"}))
    manifest = _json(approved_then, "manifest.json")
    assert manifest["as_of"] == "2026-03-08T10:00:00+01:00"
    assert manifest["filters"] == {"status": ["approved"]}
    assert manifest["use_cases"] == [
        {"id": chatbot.pk, "reference": "AI-2026-0001", "folder": "AI-2026-0001"}
    ]
    assert _json(approved_then, "AI-2026-0001/reviews.json") == []
    assert _json(before, "manifest.json")["use_cases"] == []
