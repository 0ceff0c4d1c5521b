"""Documents made by the steps that produce them, stored with their sha256, versioned when data changes."""

from __future__ import annotations

import re
import subprocess

from sqlalchemy import func, select

from monitoring.models import Document, Household
from tests.web import test_identification as identification
from tests.web.test_identification import APPRAISAL, VISIT, form_data, new_household, start, sweep

forms_dir, world = identification.forms_dir, identification.world  # the real forms; identification deployed

ID_NUMBER = re.compile(r"\d{17}[\dXx]")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def api_path(document: dict) -> str:
    """The document's ``url`` relative to /api/v1, as the test client takes it."""
    return document["url"].removeprefix("/api/v1")


def pdf_text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()


def authorized(api, household=None):
    cun = api("cun")
    household = household or new_household(api)
    instance = start(cun, household, "cadre_screening")
    cun.complete(instance["id"], "visit", form_data(cun, instance["id"], "visit", **VISIT))
    cun.complete(instance["id"], "authorize", form_data(cun, instance["id"], "authorize", approved=True))
    return household, instance


def test_the_authorization_produces_annexes_1_and_7_served_byte_identical(api, world):
    household, instance = authorized(api)
    cun = api("cun")
    listed = cun.get(f"/instances/{instance['id']}/documents").json
    assert sorted(d["annex"] for d in listed) == [1, 7]
    annex1 = next(d for d in listed if d["annex"] == 1)
    assert annex1["url"] == f"/api/v1/documents/{annex1['id']}" and annex1["households"] == [household["id"]]
    first = cun.get(api_path(annex1))
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    second = cun.get(api_path(annex1))
    assert first.data == second.data
    record = cun.get(f"{api_path(annex1)}?meta=1").json
    assert record["status"] == "ready" and len(record["sha256"]) == 64
    text = pdf_text(first.data)
    assert "承诺授权书" in text and "巴特尔" in text
    assert ID_NUMBER.search(text), "annex 1 is not posted: it shows the full ID number"
    first.close()
    second.close()


def test_a_batch_notice_is_one_document_for_the_whole_village(api, world, session):
    cun = api("cun")
    instances = [authorized(api)[1] for _ in range(3)]
    tasks = [cun.task(i["id"], "appraisal")["id"] for i in instances]
    data = {**APPRAISAL, "meeting_date": "2026-03-02"}
    assert cun.post("/tasks/complete", {"task_ids": tasks, "data": data}).status_code == 200
    notices = [[d for d in cun.get(f"/instances/{i['id']}/documents").json if d["annex"] == 2] for i in instances]
    assert all(len(n) == 1 for n in notices) and len({n[0]["id"] for n in notices}) == 1
    notice = notices[0][0]
    assert len(notice["households"]) == 3
    response = cun.get(api_path(notice))
    text = pdf_text(response.data)
    response.close()
    assert "公示" in text and text.count("巴特尔") == 6  # each household on the list and beside its own votes
    assert "2026年3月2日" in text and "2026年3月7日" in text and "12317" in text
    assert not ID_NUMBER.search(text) and not MOBILE.search(text)


def test_the_second_notice_is_printed_at_the_county_step(api, world, clock):
    _, instance = authorized(api)
    cun = api("cun")
    cun.complete(instance["id"], "appraisal", form_data(cun, instance["id"], "appraisal", **APPRAISAL))
    sweep(clock)
    api("zhen").complete(instance["id"], "township_review", {"approved": True})
    api("qi").complete(instance["id"], "county_review", {"approved": True, "review_method": "joint",
                                                         "reply_reference": "达旗乡振字〔2026〕12号"})
    listed = cun.get(f"/instances/{instance['id']}/documents").json
    annex3 = next(d for d in listed if d["annex"] == 3)
    response = cun.get(api_path(annex3))
    text = pdf_text(response.data)
    response.close()
    assert "达旗乡振字〔2026〕12号" in text and "巴特尔" in text
    assert not ID_NUMBER.search(text) and not MOBILE.search(text)


def test_printing_again_makes_a_new_version_only_when_the_data_changed(api, world, session):
    household, _ = authorized(api)
    qi = api("qi")
    first = qi.post("/documents", {"kind": "annex7", "subject_id": household["id"]})
    assert first.status_code in (200, 201)
    again = qi.post("/documents", {"kind": "annex7", "subject_id": household["id"]})
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    row = session.get(Household, household["id"])
    row.address = "百灵庙镇艾力嘎查3组12号"
    session.commit()
    changed = qi.post("/documents", {"kind": "annex7", "subject_id": household["id"]})
    assert changed.status_code == 201 and changed.json["version"] == first.json["version"] + 1
    kept = qi.get(f"/documents/{first.json['id']}")
    assert kept.status_code == 200
    kept.close()
    versions = session.execute(select(func.count()).select_from(Document).where(
        Document.kind == "annex7", Document.subject == f"household:{household['id']}")).scalar()
    assert versions == 2


def test_documents_are_scoped_to_the_place(api, world):
    household, instance = authorized(api)
    listed = api("cun").get(f"/instances/{instance['id']}/documents").json
    other = api("cun3")
    assert other.get(api_path(listed[0])).status_code == 404
    assert other.get(f"/instances/{instance['id']}/documents").status_code == 404
    assert other.post("/documents", {"kind": "annex7", "subject_id": household["id"]}).status_code == 404


def test_a_blank_information_form_prints_for_visits_without_a_connection(api, world):
    blank = api("cun3").post("/documents", {"kind": "annex7_blank"})
    assert blank.status_code in (200, 201)
    response = api("cun").get(api_path(blank.json))
    assert "信息采集表" in pdf_text(response.data)
    response.close()


def test_an_unknown_annex_is_refused_naming_the_field(api, world):
    response = api("qi").post("/documents", {"kind": "annex9"})
    assert response.status_code == 422 and "kind" in response.json["error"]["fields"]
