"""Two designers creating the same model's draft at the same moment (PostgreSQL, where both run side by side): the
second's insert waits on the first's row in the key's unique index and, once the first commits, is refused with
the conflict naming who saved it, never an error and never an overwrite. Two saves of one revision alike."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import model_drafts
from engine.models import ProcessDraft
from tests.web.test_campaign_races import _at_once, _only_postgresql
from tests.web.test_designer_api import KEY, MODEL, renamed
from web.boundary import engine


def _saving(actor, revision: int, files: dict[str, str]) -> Callable[[Session], str]:
    """A save in its own session (and thread: the engine is taken here, in the app's context): the revision it
    made, or the conflict's message."""
    fangpin = engine()

    def save(session: Session) -> str:
        try:
            draft, _ = model_drafts.save(fangpin, session, actor, KEY, revision, files)
        except model_drafts.DraftConflict as conflict:
            session.rollback()
            return f"conflict {conflict.current_revision}: {conflict}"
        return f"saved {draft.revision}"
    return save


def test_of_two_creations_at_once_one_wins_and_the_other_gets_the_conflict(app, actors, create_user, session):
    _only_postgresql()
    other = create_user("sheji2", "designer", "150000000000")
    theirs = renamed(MODEL, 'name="乡镇审核"', 'name="苏木乡镇审核"')

    first, second = _at_once(_saving(actors["designer"], 0, MODEL), _saving(other, 0, theirs))

    assert first == "saved 1"
    assert second.startswith("conflict 1: ") and "sheji " in second
    assert session.execute(select(ProcessDraft.files)).scalar_one() == MODEL


def test_of_two_saves_of_one_revision_at_once_the_second_gets_the_conflict(app, actors, create_user, session):
    _only_postgresql()
    other = create_user("sheji2", "designer", "150000000000")
    model_drafts.save(engine(), session, actors["designer"], KEY, 0, MODEL)
    session.commit()
    theirs = renamed(MODEL, 'name="乡镇审核"', 'name="苏木乡镇审核"')

    first, second = _at_once(_saving(other, 1, theirs), _saving(actors["designer"], 1, MODEL))

    assert (first, second[:12]) == ("saved 2", "conflict 2: ")
    assert "sheji2" in second
    session.expire_all()
    assert session.execute(select(ProcessDraft.files)).scalar_one() == theirs


def test_of_two_publishes_of_one_revision_at_once_one_makes_the_version(app, actors, create_user, session):
    _only_postgresql()
    other = create_user("sheji2", "designer", "150000000000")
    model_drafts.save(engine(), session, actors["designer"], KEY, 0, MODEL)
    session.commit()
    fangpin = engine()

    def publishing(actor) -> Callable[[Session], str]:
        def publish(s: Session) -> str:
            try:
                return f"version {model_drafts.publish(fangpin, s, actor, KEY, 1).version.version}"
            except model_drafts.DraftConflict as conflict:
                s.rollback()
                return f"conflict {conflict.current_revision}"
        return publish

    assert _at_once(publishing(actors["designer"]), publishing(other)) == ["version 1", "conflict 0"]
    assert [v.version for v, _ in model_drafts.history(session, KEY)] == [1]
    assert session.execute(select(ProcessDraft)).first() is None
