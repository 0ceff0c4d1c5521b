"""The village's worklist of the campaign (村级年度排查) in the browser: its counts, filters, each household with its
state and its actions — the year's income (prefilled from last year), checked or not, nominate for identification,
propose an elimination, record a natural change. The rules are ``monitoring.campaign_worklist``'s (the API's)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine import queries
from engine.errors import Conflict, Forbidden, InvalidData, NotDeployed, NotFound
from monitoring import campaign_reports as reports
from monitoring import campaign_worklist as worklist
from monitoring.campaign_models import Campaign, CampaignStatus
from monitoring.campaigns import unit_of, visible_campaign
from monitoring.households import MONEY_FIELDS, visible_household
from monitoring.models import Household, Place, Role
from monitoring.rules import GUARANTEE_FLAGS
from web.boundary import engine, unit_of_work
from web.campaigns.blueprint import campaigns
from web.extensions import db
from web.households.record import STATUSES
from web.list_pages import page_window
from web.templating import money

FILTERS = {"": "全部", "unchecked": "未核查", "monitored": "监测对象（在监测）", "below_line": "低于监测线"}
MEASUREMENT_TITLES = {
    "wage_income": "工资性收入", "business_income": "生产经营性收入", "property_income": "财产性收入",
    "transfer_income": "转移性收入", "business_expenses": "生产经营性支出", "claims_income": "理赔收入",
    "education_expense": "教育支出（合规自付）", "medical_expense": "医疗支出（合规自付）",
    "housing_expense": "住房支出（合规自付）", "water_expense": "饮水支出（合规自付）",
    "property_loss": "灾害或意外事故财产损失",
    "dropout": "有义务教育阶段因经济原因辍学", "uninsured_large_medical": "未参加基本医疗保险且医疗费用较大",
    "unsafe_house": "唯一住房受损或为危房", "unsafe_water": "饮水水质、水量、方便程度或保证率不达标",
}


def _village(campaign_id: int, code: str) -> tuple[Campaign, Place]:
    """The campaign and the village, both within the user's scope (404 otherwise, like one that does not exist)."""
    campaign = visible_campaign(db.session, g.actor, campaign_id)
    return campaign, reports.report_place(db.session, g.actor, campaign, code)


def _may_act(campaign: Campaign, place: Place) -> bool:
    """Whether to offer the actions: the village's own cadre while its part is being worked (the functions decide)."""
    unit = unit_of(db.session, campaign, place.code)
    return (g.actor.role == Role.VILLAGE and g.actor.place_path == place.path
            and campaign.status == CampaignStatus.OPEN and unit.status in worklist.WORKING)


@campaigns.get("/<int:campaign_id>/villages/<code>")
def worklist_page(campaign_id: int, code: str):
    """The households of the village, 50 a page, filtered by ``?only=``; every household a card on a phone."""
    campaign, place = _village(campaign_id, code)
    only = request.args.get("only") or None
    if only not in worklist.FILTERS:
        only = None
    window = page_window()
    found = worklist.worklist(db.session, campaign, place.code, after=window.after, limit=window.limit, only=only)
    unit = unit_of(db.session, campaign, place.code)
    may_act = _may_act(campaign, place)
    return render_template(
        "campaigns/worklist.html", c=campaign, place=place, page=found, only=only or "", filters=FILTERS,
        counts=worklist.worklist_counts(db.session, campaign, place.code), unit=unit,
        statuses=reports.UNIT_STATUS_NAMES, household_statuses=STATUSES, may_act=may_act,
        offers=worklist.elimination_offers(db.session, found.rows, engine().today()) if may_act else {},
        today=engine().today())


def _back(campaign_id: int, code: str) -> Response:
    """Back to the worklist where the user was (its filter and page, posted or carried in the address)."""
    return redirect(url_for("campaigns.worklist_page", campaign_id=campaign_id, code=code,
                            only=request.values.get("only") or None, after=request.values.get("after") or None))


def _amount_text(value: Any) -> str:
    """A prefilled amount as one types it: 27934 or 27934.50, never the float's 27934.0."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return str(amount.to_integral_value()) if amount == amount.to_integral_value() else str(amount)


def _act(campaign_id: int, code: str, done: str, act: Callable[[Any, Campaign], Any]) -> Response:
    """Run one action of the worklist in its unit of work; a refusal is told at the top of the worklist."""
    campaign, _ = _village(campaign_id, code)
    try:
        with unit_of_work() as session:
            act(session, campaign)
    except InvalidData as exc:
        flash(f"未能办理：{'；'.join(exc.fields.values()) or exc}", "error")
    except (Conflict, Forbidden) as exc:
        flash(f"未能办理：{exc}", "error")
    else:
        flash(done, "success")
    return _back(campaign_id, code)


@campaigns.post("/<int:campaign_id>/villages/<code>/households/<int:household_id>/check")
def check(campaign_id: int, code: str, household_id: int):
    return _act(campaign_id, code, "已标记为已核查", lambda session, campaign: worklist.check_household(
        session, g.actor, campaign, household_id, request.form.get("note", ""), engine().now()))


@campaigns.post("/<int:campaign_id>/villages/<code>/households/<int:household_id>/uncheck")
def uncheck(campaign_id: int, code: str, household_id: int):
    return _act(campaign_id, code, "已撤销核查标记", lambda session, campaign: worklist.uncheck_household(
        session, g.actor, campaign, household_id))


@campaigns.post("/<int:campaign_id>/villages/<code>/households/<int:household_id>/nominate")
def nominate(campaign_id: int, code: str, household_id: int):
    """推荐纳入监测: identification starts at its visit (干部排查), which opens at once for the cadre."""
    campaign, _ = _village(campaign_id, code)
    try:
        with unit_of_work() as session:
            instance_id = worklist.nominate(engine(), session, g.actor, campaign, household_id)
            first = next(iter(queries.open_tasks(session, instance_id)), None)
    except NotDeployed:
        flash("未能推荐：识别流程尚未部署，请联系流程设计员", "error")
        return _back(campaign_id, code)
    except (Conflict, Forbidden, InvalidData) as exc:
        flash(f"未能推荐：{exc}", "error")
        return _back(campaign_id, code)
    flash("已推荐纳入监测，请继续办理走访排查", "success")
    if first is None:
        return redirect(url_for("cases.detail", instance_id=instance_id))
    return redirect(url_for("inbox.task", task_id=first.id))


@campaigns.route("/<int:campaign_id>/villages/<code>/households/<int:household_id>/measurement",
                 methods=["GET", "POST"])
def measurement(campaign_id: int, code: str, household_id: int):
    """录入年度收入: the campaign year's figures, prefilled from the last measurement; refused fields answer here."""
    campaign, place = _village(campaign_id, code)
    household = visible_household(db.session, household_id, g.actor)
    if household.village_code != place.code:
        raise NotFound(f"household {household_id} in {place.code}")
    if request.method == "GET":
        prefilled = worklist.prefill_year_measurement(db.session, campaign, household_id)
        values = {**prefilled, **{name: _amount_text(prefilled.get(name)) for name in MONEY_FIELDS}}
        return _measurement_page(campaign, place, household, values, {})
    values = {name: request.form.get(name, "").strip() for name in MONEY_FIELDS}
    values |= {flag: request.form.get(flag) == "on" for flag in GUARANTEE_FLAGS}
    try:
        with unit_of_work() as session:
            result = worklist.record_year_measurement(session, g.actor, campaign, household_id, values,
                                                      engine().now())
    except InvalidData as exc:
        return _measurement_page(campaign, place, household, values, exc.fields or {"_form": str(exc)}), 422
    except (Conflict, Forbidden) as exc:
        flash(f"未能录入：{exc}", "error")
        return _back(campaign_id, code)
    side = "低于" if result["below_line"] else "不低于"
    flash(f"已录入{result['year']}年收入：人均纯收入{money(result['per_capita'])}，{side}监测线"
          f"{money(campaign.income_line)}", "success")
    return _back(campaign_id, code)


def _measurement_page(campaign: Campaign, place: Place, household: Household, values: dict[str, Any],
                      errors: dict[str, str]) -> str:
    return render_template("campaigns/measurement.html", c=campaign, place=place, h=household, values=values,
                           errors=errors, money_fields=MONEY_FIELDS, flags=list(GUARANTEE_FLAGS),
                           titles=MEASUREMENT_TITLES)
