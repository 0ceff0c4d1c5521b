"""Print buttons on the household, case and notice pages; documents open in scope only."""

from __future__ import annotations

import re

from sqlalchemy import select

from monitoring.models import Document, DocumentStatus
from tests.web.test_documents import authorized
from tests.web.test_identification import APPRAISAL, form_data
from web.serve import TimerScheduler


def test_the_household_page_prints_annex_7_and_lists_the_documents(api, world, pages):
    household, _ = authorized(api)
    browser = pages("cun")
    page = browser.get(f"/households/{household['id']}")
    assert "打印 附件7 信息采集表" in page.text and "附件1 承诺授权书" in page.text
    printed = browser.post("/documents/print", {"kind": "annex7", "subject_id": str(household["id"])})
    assert printed.status_code == 302
    pdf = browser.get(printed.headers["Location"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    pdf.close()
    assert pages("cun3").get(printed.headers["Location"]).status_code == 404


def test_the_case_page_lists_its_documents(api, world, pages):
    _, instance = authorized(api)
    page = pages("cun").get(f"/cases/{instance['id']}")
    assert "本案文书" in page.text and "承诺授权书" in page.text and "信息采集表" in page.text
    assert "打印 附件7 信息采集表" in page.text


def test_the_notice_page_prints_the_village_notice(api, world, pages):
    _, instance = authorized(api)
    cun = api("cun")
    cun.complete(instance["id"], "appraisal", form_data(cun, instance["id"], "appraisal", **APPRAISAL))
    browser = pages("cun")
    page = browser.get("/notices/")
    match = re.search(r'name="kind" value="annex2">\s*<input type="hidden" name="subject_id" value="(\d+)"', page.text)
    assert match, page.text
    printed = browser.post("/documents/print", {"kind": "annex2", "subject_id": match.group(1)})
    pdf = browser.get(printed.headers["Location"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    pdf.close()


def test_the_scheduler_renders_what_the_steps_asked_for(app, api, world, session):
    authorized(api)
    pending = session.execute(select(Document).where(Document.status == DocumentStatus.PENDING)).scalars().all()
    assert {d.kind for d in pending} == {"annex1", "annex7"}
    TimerScheduler(app, 30).sweep()
    session.expire_all()
    assert all(d.status == DocumentStatus.READY for d in session.execute(select(Document)).scalars())
