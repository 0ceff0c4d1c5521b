"""My tasks: the inbox, claiming, the task form, drafts and batch decisions."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine import tasks
from monitoring import worklist
from web.boundary import engine, unit_of_work
from web.extensions import db

inbox = Blueprint("inbox", __name__, url_prefix="/tasks")

DUE_STATES = {"overdue": "已逾期", "due_soon": "两天内到期", "on_time": "未到期", "no_due": "无期限"}


@inbox.get("/")
def index():
    items = worklist.work_items(db.session, g.actor, engine().now())
    filters = worklist.Filters(process=request.args.get("process") or None, step=request.args.get("step") or None,
                               village=request.args.get("village") or None, due=request.args.get("due") or None)
    shown = worklist.apply_filters(items, filters)
    return render_template(
        "inbox/index.html", items=shown, total=len(items), filters=filters, due_states=DUE_STATES,
        steps=worklist.counts_per_step(items), processes=sorted({i.task.process_key for i in items}),
        villages=sorted({(i.village_code, i.village_name) for i in items}),
        overdue=sum(1 for i in items if i.overdue), others=worklist.claimed_by_others(db.session, g.actor),
        batchable=bool(filters.step and filters.village and len(shown) > 1),
    )


@inbox.post("/<task_id>/claim")
def claim(task_id: str):
    with unit_of_work() as session:
        tasks.claim_task(engine(), session, task_id, g.actor)
    flash("已认领，其他人将看不到此任务", "success")
    return redirect(request.form.get("next") or url_for("inbox.index"))


@inbox.post("/<task_id>/unclaim")
def unclaim(task_id: str):
    with unit_of_work() as session:
        tasks.unclaim_task(engine(), session, task_id, g.actor)
    flash("已退回待办，同岗位的人都可以办理", "success")
    return redirect(request.form.get("next") or url_for("inbox.index"))
