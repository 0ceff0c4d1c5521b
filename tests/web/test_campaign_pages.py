"""The campaign pages: the list, the region's opening form, a place's progress and summary with the way down, the
files, and the village worklist whose actions post and show their result — every page through the page scanner."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from monitoring.campaign_models import Campaign, CampaignCheck
from monitoring.models import Measurement
from tests.conftest import CST
from tests.web.pages.conftest import PageClient
from tests.web.test_campaign_reports import (  # noqa: F401  (world: the fixture)
    COUNTY,
    REGION,
    T1,
    T2,
    V1,
    V2,
    _household,
    world,
)

ROOT = Path(__file__).resolve().parents[2]
LATE = datetime(2026, 3, 25, 9, 0, tzinfo=CST)  # the villages' and 百灵庙镇's deadlines have passed
NEXT_YEAR = datetime(2027, 1, 4, 9, 0, tzinfo=CST)  # the world's 2026 campaign exists: 2027's opens in 2027
NEXT_OPENING = {"year": "2027", "income_line": "7800", "village": "2027-03-10", "township": "2027-03-20",
                "county": "2027-03-31", "league": "2027-04-10"}


@pytest.fixture
def forms_dir():
    return ROOT / "forms"


@pytest.fixture
def pages(app, actors, create_user):
    create_user("qu", "region", REGION)
    return lambda username=None: PageClient(app, username)


@pytest.fixture
def deployed(api):
    """The shipped identification (with the assistance it starts) and annual adjustment models."""
    designer = api("sheji")
    for name in ("assistance.bpmn", "identification.bpmn", "annual_adjustment.bpmn"):
        response = designer.deploy(ROOT / "processes" / name)
        assert response.status_code == 201, response.json


def text_of(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


def test_the_nav_leads_to_the_list_and_the_list_to_the_campaign(pages, world):  # noqa: F811
    county = pages("qi")
    inbox = county.get("/tasks/").text
    assert 'href="/campaigns/"' in inbox and "年度集中排查" in inbox
    listing = county.get("/campaigns/")
    assert listing.status_code == 200 and "2026年度" in listing.text and "开启年度集中排查" not in listing.text
    assert f'href="/campaigns/{world.campaign_id}"' in listing.text


def test_the_county_page_shows_its_deadline_progress_with_the_late_township_in_red_and_the_summary(pages, world,  # noqa: F811
                                                                                                    clock):
    clock.set(LATE)
    page = pages("qi").get(f"/campaigns/{world.campaign_id}")
    assert page.status_code == 200
    html = page.text
    text = text_of(html)
    assert "本级截止日期2026年3月31日" in text and "嘎查村完成1/3，逾期2个" in text
    late_row = re.search(r'<tr class="overdue">(.*?)</tr>', html, re.S).group(1)
    assert "百灵庙镇" in late_row and "逾期" in late_row and "1 / 2" in late_row
    assert f'href="/campaigns/{world.campaign_id}?place={T1}"' in html  # the way down into the township
    assert "集中排查情况统计表" in text and "风险消除率" in text and "20.0" in text
    assert f"/campaigns/{world.campaign_id}/summary.xlsx?place={COUNTY}" in html
    assert f"/campaigns/{world.campaign_id}/summary.pdf?place={COUNTY}" in html


def test_the_region_sees_the_late_township_two_levels_down(pages, world, clock):  # noqa: F811
    clock.set(LATE)
    text = text_of(pages("qu").get(f"/campaigns/{world.campaign_id}").text)
    assert "逾期未上报的下级" in text and "百灵庙镇（苏木乡镇）截止2026年3月20日" in text


def test_a_township_drills_into_its_village_and_not_into_another_township(pages, world):  # noqa: F811
    township = pages("zhen")
    own = township.get(f"/campaigns/{world.campaign_id}")
    assert f'?place={V1}"' in own.text and f'?place={V2}"' in own.text
    village = township.get(f"/campaigns/{world.campaign_id}?place={V1}")
    assert village.status_code == 200 and "进入排查清单" in village.text
    assert township.get(f"/campaigns/{world.campaign_id}?place={T2}").status_code == 404
    assert township.get(f"/campaigns/{world.campaign_id}/villages/150223200201").status_code == 404


def test_the_files_download_from_the_page(pages, world):  # noqa: F811
    county = pages("qi")
    progress = county.get(f"/campaigns/{world.campaign_id}/progress.xlsx?place={T1}")
    rows = list(load_workbook(io.BytesIO(progress.data)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[3:]] == ["嘎查村", "艾力嘎查", "新宝力格嘎查", "合计"]  # under title, place, as-of
    pdf = county.get(f"/campaigns/{world.campaign_id}/summary.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_opening_form_names_each_wrong_field_in_chinese_and_opens_nothing(pages, world, session):  # noqa: F811
    region = pages("qu")
    assert "开启年度集中排查" in region.get("/campaigns/").text
    form = region.get("/campaigns/new")
    assert form.status_code == 200 and 'name="village"' in form.text
    refused = region.post("/campaigns/new", {"year": "2031", "income_line": "abc", "village": "2026-03-10",
                                             "township": "2026-03-05", "county": "", "league": "2026-04-01"})
    assert refused.status_code == 422
    text = text_of(refused.text)
    assert "年度：应为本年度（2026）" in text and "收入监测线：应为金额" in text
    assert "旗县截止日期：必填" in text and "苏木乡镇截止日期：苏木乡镇截止日期不能早于嘎查村截止日期" in text
    assert 'value="abc"' in refused.text
    assert session.execute(select(func.count()).select_from(Campaign)).scalar() == 1
    assert pages("qi").get("/campaigns/new").status_code == 403


def test_the_region_opens_the_year_campaign_and_lands_on_its_page(pages, world, deployed, session,  # noqa: F811
                                                                    clock):
    clock.set(NEXT_YEAR)
    response = pages("qu").post("/campaigns/new", NEXT_OPENING, follow_redirects=True)
    assert response.status_code == 200, response.text
    assert "已开启2027年度集中排查" in response.text and "2027年度集中排查 · 自治区" in response.text
    again = pages("qu").post("/campaigns/new", NEXT_OPENING)
    assert again.status_code == 409 and "未能开启" in again.text


def test_the_worklist_shows_counts_filters_and_each_household_read_only_above_the_village(pages, world):  # noqa: F811
    page = pages("zhen").get(f"/campaigns/{world.campaign_id}/villages/{V1}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "农户5" in text and "已核查2" in text and "本页只读" in text
    for chip in ("未核查", "监测对象", "低于监测线"):
        assert chip in text
    assert "标记已核查" not in page.text and "table" in page.text and 'class="responsive worklist"' in page.text
    unchecked = pages("zhen").get(f"/campaigns/{world.campaign_id}/villages/{V1}?only=unchecked")
    assert unchecked.text.count('data-label="户主"') == 3  # h3, h4, h5 (h1 and h2 are checked)


def test_the_village_records_the_years_income_checks_and_unchecks_a_household(pages, world, session):  # noqa: F811
    cadre = pages("cun2")  # 新宝力格嘎查: returned, so worked again
    base = f"/campaigns/{world.campaign_id}/villages/{V2}"
    household = world.households["h6"]
    page = cadre.get(base)
    assert "标记已核查" in page.text and "推荐纳入监测" not in page.text and "提出风险消除" in page.text
    assert f'href="/households/{household}/changes"' in page.text
    assert cadre.get(f"/households/{household}/changes").status_code == 200  # engineer C's recording page
    refused = cadre.post(f"{base}/households/{household}/check", {"note": ""}, follow_redirects=True)
    assert "未能办理：监测对象须先录入2026年收支测算" in refused.text
    form = cadre.get(f"{base}/households/{household}/measurement")
    assert form.status_code == 200 and 'name="wage_income"' in form.text
    wrong = cadre.post(f"{base}/households/{household}/measurement", {"wage_income": "-5"})
    assert wrong.status_code == 422 and "不能小于0" in wrong.text
    saved = cadre.post(f"{base}/households/{household}/measurement", {"wage_income": "3000", "transfer_income": "1200"},
                       follow_redirects=True)
    assert "已录入2026年收入：人均纯收入4,200.00 元，低于监测线7,500.00 元" in saved.text
    assert session.execute(select(Measurement.wage_income).where(Measurement.household_id == household,
                                                                 Measurement.year == 2026)).scalar() == 3000
    checked = cadre.post(f"{base}/households/{household}/check", {"note": "入户核实"}, follow_redirects=True)
    assert "已标记为已核查" in checked.text and "入户核实" in checked.text and "撤销核查" in checked.text
    undone = cadre.post(f"{base}/households/{household}/uncheck", {}, follow_redirects=True)
    assert "已撤销核查标记" in undone.text
    assert session.execute(select(func.count()).select_from(CampaignCheck)
                           .where(CampaignCheck.household_id == household)).scalar() == 0


def test_a_village_whose_part_is_approved_has_no_actions_and_its_posts_are_refused(pages, world):  # noqa: F811
    cadre = pages("cun")  # 艾力嘎查: approved
    base = f"/campaigns/{world.campaign_id}/villages/{V1}"
    page = cadre.get(base)
    assert "本村年度排查已上报，清单只读" in text_of(page.text) and "标记已核查" not in page.text
    refused = cadre.post(f"{base}/households/{world.households['h4']}/check", {}, follow_redirects=True)
    assert "未能办理：本村年度排查已上报，不能再修改" in refused.text
    assert pages("cun").get(f"/campaigns/{world.campaign_id}/villages/{V2}").status_code == 404


def test_a_nominated_household_lands_at_the_visit_of_its_identification(pages, world, deployed, session,  # noqa: F811
                                                                          actors):
    newcomer = _household(session, actors["county"], V2, 2)
    session.commit()
    cadre = pages("cun2")
    base = f"/campaigns/{world.campaign_id}/villages/{V2}"
    assert f"{base}/households/{newcomer.id}/nominate" in cadre.get(base).text
    refused = cadre.post(f"{base}/households/{world.households['h6']}/nominate", {}, follow_redirects=True)
    assert "未能推荐" in refused.text  # a monitoring object is not nominated again
    nominated = cadre.post(f"{base}/households/{newcomer.id}/nominate", {}, follow_redirects=True)
    assert "已推荐纳入监测，请继续办理走访排查" in nominated.text and "走访排查" in nominated.text
    listed = cadre.get(base).text
    assert "办理中" in listed and f"{base}/households/{newcomer.id}/nominate" not in listed


def test_the_village_task_of_an_opened_campaign_leads_to_the_worklist_and_the_townships_to_its_progress(
        pages, api, world, deployed, session, clock):  # noqa: F811
    clock.set(NEXT_YEAR)
    pages("qu").post("/campaigns/new", NEXT_OPENING)
    opened = session.execute(select(Campaign.id).where(Campaign.year == 2027)).scalar_one()
    village_task = next(t for t in api("cun").get("/tasks").json if t["bpmn_id"] == "village_check")
    page = pages("cun").get(f"/tasks/{village_task['id']}")
    assert page.status_code == 200 and "打开本村排查清单" in page.text
    assert f'href="/campaigns/{opened}/villages/{V1}"' in page.text
    worklist = pages("cun").get(f"/campaigns/{opened}/villages/{V1}")
    assert worklist.status_code == 200 and "标记已核查" in worklist.text
