"""Code lists as data (``monitoring.codelists``): a transaction reads every list once, and reads what it wrote."""

from __future__ import annotations

from sqlalchemy import event, update

from monitoring import codelists
from monitoring.models import CodeEntry


def _reads_of_code_entries(session, read) -> int:
    sent: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        if "FROM code_entries" in statement:
            sent.append(statement)

    event.listen(session.get_bind(), "before_cursor_execute", note)
    try:
        read()
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", note)
    return len(sent)


def test_a_transaction_reads_every_list_once(session, tree):
    def read_three_lists() -> None:
        assert codelists.labels(session, "monitoring_type")["unstable"] == "脱贫不稳定户"
        assert codelists.labels(session, "household_type", include_retired=True)["ordinary"] == "一般农(牧)户"
        assert "illness" in codelists.labels(session, "risk_type")

    assert _reads_of_code_entries(session, read_three_lists) == 1
    session.commit()
    assert _reads_of_code_entries(session, read_three_lists) == 1  # a new transaction reads them afresh


def test_what_a_transaction_writes_to_a_list_it_reads_back_in_its_order(session, tree):
    assert list(codelists.labels(session, "household_type")) == ["poverty_alleviated", "ordinary"]
    codelists.set_entry(session, "household_type", "ordinary", "一般户", active=False)
    codelists.set_entry(session, "household_type", "herder", "牧户", position=-1)  # seeded from 0 on

    assert codelists.labels(session, "household_type") == {"herder": "牧户", "poverty_alleviated": "脱贫户"}
    assert list(codelists.labels(session, "household_type", include_retired=True)) == \
        ["herder", "poverty_alleviated", "ordinary"]
    assert codelists.labels(session, "household_type", include_retired=True)["ordinary"] == "一般户"


def test_a_rolled_back_edit_is_not_read(session, tree):
    codelists.set_entry(session, "risk_type", "illness", "因病致贫")
    assert codelists.labels(session, "risk_type")["illness"] == "因病致贫"
    session.rollback()
    assert codelists.labels(session, "risk_type")["illness"] == "因病"


def test_an_edit_not_yet_written_and_a_statement_through_the_session_are_read(session, tree):
    assert codelists.labels(session, "risk_type")["illness"] == "因病"
    session.get(CodeEntry, ("risk_type", "illness")).label = "因病致贫"  # pending: a query would flush it first
    assert codelists.labels(session, "risk_type")["illness"] == "因病致贫"
    session.execute(update(CodeEntry).where(CodeEntry.code == "illness").values(label="因病返贫"))
    assert codelists.labels(session, "risk_type")["illness"] == "因病返贫"
