"""A line department sees its own uploads, the comparison hits on its data and, through those, a household's
names with masked ID numbers; every other household, case, task and document of its county answers 404."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook

from monitoring import comparison
from monitoring.demo_data import department_file
from monitoring.id_number import mask_id_number
from monitoring.models import Household
from tests.conftest import CST
from tests.web.test_identification import new_household, start

POLICE, POLICE_COLLEAGUE, HOUSING = "gongan", "dept_vehicles", "dept_house_purchases"


def upload(api, username: str, dataset: str, member: dict, filename: str) -> None:
    user = api(username)
    content = department_file(dataset, [member], others=3, seed=5)
    response = user.client.post("/api/v1/department-data", headers=user.headers, content_type="multipart/form-data",
                                data={"dataset": dataset, "file": (io.BytesIO(content), filename)})
    assert response.status_code == 201, response.json


@pytest.fixture
def scene(api, world, session):
    """Household ``car``: the police's vehicle data names its spouse; ``flat``: housing's purchase data names its
    head; ``plain``: no department's data names it. Each has a case."""
    car, flat, plain = new_household(api), new_household(api), new_household(api)
    upload(api, POLICE, "vehicles", car["members"][1], "车辆.csv")
    upload(api, HOUSING, "house_purchases", flat["members"][0], "购房.csv")
    for household in (car, flat, plain):
        comparison.compare(session, session.get(Household, household["id"]), datetime(2026, 3, 2, tzinfo=CST))
    session.commit()
    cases = {name: start(api("cun"), h)["id"] for name, h in (("car", car), ("flat", flat), ("plain", plain))}
    return {"car": car, "flat": flat, "plain": plain, "cases": cases}


def test_a_department_lists_only_households_its_data_names(api, pages, scene):
    for username, mine in ((POLICE, "car"), (POLICE_COLLEAGUE, "car"), (HOUSING, "flat")):
        listed = [h["id"] for h in api(username).get("/households").json]
        assert listed == [scene[mine]["id"]], username
        page = pages(username).get("/households/").text
        assert f'/households/{scene[mine]["id"]}"' in page
        others = {"car", "flat", "plain"} - {mine}
        assert not any(f'/households/{scene[name]["id"]}"' in page for name in others)
    assert len(api("qi").get("/households").json) == 3  # the county itself still sees every household


def test_a_household_through_a_hit_shows_names_masked_ids_and_the_hit_only(api, pages, scene):
    car = scene["car"]
    spouse = car["members"][1]["id_number"]
    body = api(POLICE).get(f"/households/{car['id']}").json
    assert [m["id_number"] for m in body["members"]] == [mask_id_number(m["id_number"]) for m in car["members"]]
    assert {"phone", "bank_account", "cases", "measurements", "feedback"}.isdisjoint(body)
    assert [(h["member"], h["id_number"], h["dataset"]) for h in body["comparison_hits"]] == [
        ("其木格", mask_id_number(spouse), "vehicles")]
    assert body["comparison_hits"][0]["filename"] == "车辆.csv" and body["comparison_hits"][0]["row"] >= 2
    page = pages(POLICE_COLLEAGUE).get(f"/households/{car['id']}")
    assert page.status_code == 200
    assert mask_id_number(spouse) in page.text and spouse not in page.text
    assert "车辆.csv 第" in page.text and "联系电话" not in page.text and "银行账号" not in page.text


@pytest.mark.parametrize("username, hidden", [(POLICE, "flat"), (POLICE, "plain"), (HOUSING, "car")])
def test_every_other_household_is_not_found_for_a_department(api, pages, scene, username, hidden):
    household_id = scene[hidden]["id"]
    assert api(username).get(f"/households/{household_id}").status_code == 404
    assert pages(username).get(f"/households/{household_id}").status_code == 404


def test_cases_tasks_and_documents_are_not_found_for_a_department_even_through_a_hit(api, pages, scene):
    police, browser = api(POLICE), pages(POLICE)
    case_id = scene["cases"]["car"]
    task_id = api("cun").get(f"/instances/{case_id}").json["tasks"][0]["id"]
    document = api("qi").post("/documents", {"kind": "annex7", "subject_id": scene["car"]["id"]})
    assert document.status_code in (200, 201), document.json
    assert police.get("/instances").json == [] and police.get("/tasks").json == []
    for url in (f"/instances/{case_id}", f"/instances/{case_id}/documents", f"/tasks/{task_id}",
                f"/documents/{document.json['id']}"):
        assert police.get(url).status_code == 404, url
    for url in (f"/cases/{case_id}", f"/tasks/{task_id}", f"/documents/{document.json['id']}"):
        assert browser.get(url).status_code == 404, url
    assert "没有符合条件的案件" in browser.get("/cases/").text


def test_the_hits_page_lists_the_departments_hits_with_masked_ids_and_source_rows(pages, scene, session):
    spouse = scene["car"]["members"][1]["id_number"]
    page = pages(POLICE).get("/households/hits").text
    assert "其木格" in page and mask_id_number(spouse) in page and spouse not in page
    assert re.search(r"车辆\.csv 第\d+行", page)
    assert "购房.csv" not in page  # housing's hit is housing's
    assert "购房.csv" in pages(HOUSING).get("/households/hits").text
    assert pages("qi").get("/households/hits").status_code == 403  # a page of departments only


def test_a_departments_upload_list_shows_its_own_uploads(api, pages, scene):
    page = pages(POLICE).get("/admin/uploads/").text
    assert "车辆.csv" in page and "购房.csv" not in page
    assert "购房.csv" in pages("qi").get("/admin/uploads/").text
    assert {u["department"] for u in api(POLICE).get("/department-data").json} == {"police"}
    assert "housing" in {u["department"] for u in api("qi").get("/department-data").json}


def test_the_hits_export_masks_id_numbers_as_the_page_does(pages, scene):
    spouse = scene["car"]["members"][1]["id_number"]
    response = pages(POLICE).get("/households/hits?format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("户主", "命中成员", "身份证号")
    assert [row[1:3] for row in rows[1:]] == [("其木格", mask_id_number(spouse))]
    assert rows[1][rows[0].index("来源文件")] == "车辆.csv"
    exported = pages(POLICE).get("/households/?format=xlsx")
    assert [row[0] for row in load_workbook(io.BytesIO(exported.data)).active.iter_rows(min_row=2, values_only=True)] \
        == ["巴特尔"]  # the household list's export holds the linked household only
