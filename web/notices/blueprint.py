"""Public notices: the open ones with days left, and objections."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine.errors import Conflict, InvalidData
from monitoring import objections
from monitoring.documents import store
from monitoring.permissions import OBJECTION_RECORDERS
from web.auth.session import roles_required
from web.boundary import engine, unit_of_work
from web.exports import wants_xlsx, xlsx_response
from web.extensions import db
from web.list_pages import page_window
from web.notices import board
from web.notices.words import HOTLINE

notices = Blueprint("notices", __name__, url_prefix="/notices")



@notices.get("/")
def index():
    """The open notices a page at a time; ``?format=xlsx`` exports them (names and village groups only)."""
    if wants_xlsx(request.args):
        return xlsx_response("公示", "notices", board.board_columns(),
                             board.all_boards(db.session, g.actor, engine().today()), engine().now())
    return _page()


@notices.post("/<int:notice_id>/households/<int:household_id>/objection")
@roles_required(*OBJECTION_RECORDERS)
def object_to(notice_id: int, household_id: int):
    answers = {name: request.form.get(name, "").strip() for name in ("by", "content")}
    try:
        with unit_of_work() as session:
            instance_id = objections.record_objection(engine(), session, g.actor, notice_id, household_id,
                                                      answers["by"], answers["content"], engine().today())
    except InvalidData as exc:
        return _page(Failed(notice_id, household_id, answers, exc.fields or {"form": str(exc)}), 422)
    except Conflict as exc:
        return _page(Failed(notice_id, household_id, answers, {"form": str(exc)}), 409)
    flash(f"异议已登记，已送达第 {instance_id} 号案件处理", "success")
    return redirect(url_for("notices.index"))


@dataclass(frozen=True)
class Failed:
    """An objection form to show again, with what was typed and what is wrong."""

    notice_id: int
    household_id: int
    answers: dict[str, str]
    problems: dict[str, str]


def _page(failed: Failed | None = None, status: int = 200):
    found = board.boards_page(db.session, g.actor, engine().today(),
                              page_window())
    return render_template(
        "notices/index.html", page=found, boards=found.rows, hotline=HOTLINE,
        may_object=g.user.role in OBJECTION_RECORDERS, failed=failed, notice_annexes=store.NOTICE_ANNEXES,
    ), status
