"""My tasks: the inbox, claiming, the task form, drafts and batch decisions."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine import drafts, tasks
from engine.errors import InvalidData
from monitoring import attachments, worklist
from web.auth.session import local_path
from web.boundary import engine, unit_of_work
from web.documents.service import documents_dir
from web.downloads import send_download
from web.exports import EXPORT_MAX_ROWS, wants_xlsx, xlsx_response
from web.extensions import db
from web.inbox import batch_page, listing, task_pages
from web.inbox.schema_form import Submission
from web.list_pages import PAGE_ROWS, page_window

inbox = Blueprint("inbox", __name__, url_prefix="/tasks")
# Rows of the inbox page when a step is chosen and ``?limit=`` does not ask: the batch decided together, a sitting's
# households (``web.list_pages.PAGE_ROWS`` otherwise).
BATCH_ROWS = 50


def _filters() -> worklist.Filters:
    keys = ("process", "step", "village", "township", "due", "order")
    return worklist.Filters(**{key: request.args.get(key) or None for key in keys})


@inbox.get("/")
def index():
    """One page of my work; the chips count each step under the other filters; ``?format=xlsx`` exports all."""
    filters, now = _filters(), engine().now()
    if wants_xlsx(request.args):
        return xlsx_response("待办任务", "tasks", listing.INBOX_COLUMNS,
                             worklist.all_items(db.session, g.actor, filters, now, EXPORT_MAX_ROWS), now)
    found = worklist.inbox(db.session, g.actor, filters, now, page_window(BATCH_ROWS if filters.step else PAGE_ROWS))
    return render_template(
        "inbox/index.html", items=found.page.rows, page=found.page, inbox=found, filters=filters,
        due_states=listing.DUE_STATES, batchable=listing.batch_offered(db.session, engine(), found, filters),
    )


@inbox.post("/<task_id>/claim")
def claim(task_id: str):
    with unit_of_work() as session:
        tasks.claim_task(engine(), session, task_id, g.actor)
    flash("已认领，其他人将看不到此任务", "success")
    return redirect(local_path(request.form.get("next")) or url_for("inbox.index"))


@inbox.post("/<task_id>/unclaim")
def unclaim(task_id: str):
    with unit_of_work() as session:
        tasks.unclaim_task(engine(), session, task_id, g.actor)
    flash("已退回待办，同岗位的人都可以办理", "success")
    return redirect(local_path(request.form.get("next")) or url_for("inbox.index"))


@inbox.route("/<task_id>", methods=["GET", "POST"])
def task(task_id: str):
    work = task_pages.open_work(db.session, task_id, g.actor)
    if request.method == "GET" or not work.ready:
        return task_pages.render(work, task_pages.initial_values(db.session, work))
    uploads, refused = task_pages.store_uploads(work, g.actor, request.files)
    submission = Submission(work.schema or {}, request.form, uploads)
    submission.errors.update(refused)
    if request.form.get("action") == "draft":
        with unit_of_work() as session:
            drafts.save_draft(session, task_id, g.actor, submission.data, engine().now())
        flash("草稿已保存，下次打开此任务时继续填写", "success")
        return redirect(url_for("inbox.task", task_id=task_id))
    if submission.errors:
        errors = {**task_pages.form_errors(work, submission.data), **submission.errors}
        return task_pages.render(work, submission.data, errors, submission.raw)
    try:
        with unit_of_work() as session:
            tasks.complete_task(engine(), session, task_id, g.actor, submission.data, sole_write=True)
    except InvalidData as error:
        return task_pages.render(work, submission.data, error.fields, submission.raw)
    flash(f"已提交：{task_pages.subject(work)} · {work.task.name}", "success")
    return redirect(url_for("inbox.index"))


@inbox.route("/batch", methods=["GET", "POST"])
def batch():
    work = batch_page.open_batch(db.session, request.values.getlist("task"), g.actor)
    if request.method == "GET":
        return batch_page.render_batch(work, batch_page.initial_answers(work))
    answers = batch_page.read_answers(work, request.form)
    if answers.errors:
        answers.errors = batch_page.all_problems(work, answers)
        return batch_page.render_batch(work, answers)
    try:
        with unit_of_work() as session:
            tasks.complete_tasks(engine(), session, work.task_ids, g.actor, answers.shared, answers.own)
    except InvalidData as error:
        answers.errors = error.fields
        return batch_page.render_batch(work, answers)
    flash(f"已为 {len(work.items)} 户一次提交：{work.step_name}{batch_page.outcome(answers)}", "success")
    return redirect(url_for("inbox.index"))


@inbox.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int):
    stored = attachments.visible_attachment(db.session, attachment_id, g.actor)
    return send_download(attachments.attachment_path(documents_dir(), stored), stored.filename,
                         f"attachment-{stored.id}", stored.content_type, inline=True)
