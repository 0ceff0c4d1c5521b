"""The code lists as data: complete, unique, and readable through the helpers."""

import re

import pytest

from monitoring import places
from monitoring.codes import (
    CODE_LISTS,
    DEVELOPMENT_MEASURES,
    EXCLUSION_DESCRIPTIONS,
    MEASURE_LEAD_DEPARTMENTS,
    MEASURE_SUBTYPES,
    MULTI_SELECT,
    SAFETY_NET_SUBTYPES,
    check_selection,
    codes,
    label,
)

EXPECTED_LISTS = {
    "monitoring_type", "household_type", "risk_type", "disaster_kind", "assistance_measure", "elimination_method",
    "labour_skill", "education", "health", "schooling", "relation", "sex", "ethnicity", "insurance", "exclusion",
    "channel", "application_way", "meeting_form", "department", "major_event_kind",
    *(f"measure_subtype_{category}" for category in MEASURE_SUBTYPES),
}


def test_every_expected_list_is_present():
    assert set(CODE_LISTS) == EXPECTED_LISTS


@pytest.mark.parametrize("key", sorted(EXPECTED_LISTS))
def test_each_list_is_non_empty_with_unique_ascii_codes_and_labels(key):
    entries = CODE_LISTS[key]
    assert entries
    values = [code for code, _ in entries]
    labels = [text for _, text in entries]
    assert len(set(values)) == len(values)
    assert len(set(labels)) == len(labels)
    assert all(re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*|E[1-8]", code) for code in values)
    assert all(text and text == text.strip() for text in labels)


def test_the_56_ethnic_groups_carry_gb3304_codes():
    assert codes("ethnicity") == [f"{n:02d}" for n in range(1, 57)]
    assert label("ethnicity", "01") == "汉族"
    assert label("ethnicity", "02") == "蒙古族"
    assert label("ethnicity", "45") == "鄂温克族"
    assert label("ethnicity", "52") == "鄂伦春族"
    assert label("ethnicity", "31") == "达斡尔族"
    assert all(text.endswith("族") for _, text in CODE_LISTS["ethnicity"])


def test_eight_exclusions_each_described():
    assert codes("exclusion") == [f"E{n}" for n in range(1, 9)]
    assert set(EXCLUSION_DESCRIPTIONS) == set(codes("exclusion"))
    assert "唯一住房除外" in label("exclusion", "E4")


def test_fourteen_measures_of_which_four_are_development_measures():
    assert len(codes("assistance_measure")) == 14
    assert set(codes("assistance_measure")) >= DEVELOPMENT_MEASURES
    assert {label("assistance_measure", code) for code in DEVELOPMENT_MEASURES} == {
        "产业帮扶", "就业帮扶", "金融帮扶", "公益岗位帮扶",
    }


def test_every_measure_category_has_sub_types_and_a_lead_known_to_the_lists():
    assert set(MEASURE_SUBTYPES) == set(codes("assistance_measure")) == set(MEASURE_LEAD_DEPARTMENTS)
    assert set(MEASURE_LEAD_DEPARTMENTS.values()) - {None} <= set(codes("department"))
    assert label("measure_subtype_health", "family_doctor") == "家庭医生签约"
    assert label("measure_subtype_other_education", "rain_dew_plan") == "雨露计划"
    assert {label(f"measure_subtype_{c}", s) for c, s in SAFETY_NET_SUBTYPES} == {"低保", "特困供养"}


def test_lists_named_in_the_brief():
    assert codes("monitoring_type") == ["unstable", "marginal", "sudden"]
    assert label("household_type", "ordinary") == "一般农(牧)户"
    assert len(codes("risk_type")) == 11
    assert label("risk_type", "disaster") == "因自然灾害"
    assert len(codes("disaster_kind")) == 7
    assert label("channel", "department_warning") == "部门筛查预警"
    assert label("application_way", "hotline_12317") == "12317热线"
    assert label("meeting_form", "extended_two_committees") == "村两委扩大会议"
    assert codes("elimination_method") == ["assisted", "natural"]
    assert codes("relation")[:2] == ["head", "spouse"]
    assert label("relation", "sibling") == "兄弟姐妹"
    assert label("schooling", "postgraduate") == "硕士研究生及以上"


def test_departments_agree_with_the_place_module():
    assert dict(CODE_LISTS["department"]) == places.DEPARTMENTS


def test_label_and_codes_refuse_unknown_keys():
    with pytest.raises(KeyError):
        codes("no_such_list")
    with pytest.raises(KeyError, match="sex: other"):
        label("sex", "other")


def test_multi_select_lists_exist():
    assert set(MULTI_SELECT) <= set(CODE_LISTS)


@pytest.mark.parametrize(("key", "selected", "reason"), [
    ("risk_type", ["illness", "disability"], None),
    ("risk_type", ["illness", "disability", "schooling", "disaster", "accident"], None),
    ("risk_type", ["illness", "disability", "schooling", "disaster", "accident", "water"], "最多选择5项"),
    ("risk_type", ["illness", "illness"], "不能重复选择"),
    ("risk_type", ["illness", "flu", "cold"], "无效代码：flu、cold"),
    ("health", ["chronic", "disabled"], None),
    ("health", ["healthy"], None),
    ("health", ["healthy", "disabled"], "“健康”不能与其他选项同时选择"),
    ("insurance", ["none", "resident_medical"], "“未参保”不能与其他选项同时选择"),
    ("sex", ["male"], None),
    ("sex", ["male", "female"], "最多选择1项"),
])
def test_check_selection(key, selected, reason):
    assert check_selection(key, selected) == reason
