"""Household search (the list page's and the API's ``?q=``): the start of a name, or the last digits of an ID number,
each read as an index range; scope, filters and paging as before."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, insert, select

from engine.paging import Window
from monitoring import households
from monitoring.id_number import check_digit
from monitoring.models import Household, Member

AT = datetime(2026, 3, 2, 1, tzinfo=UTC)
VILLAGE, VILLAGE_2, VILLAGE_OTHER = "150223100201", "150223100202", "150223200201"


def person(name: str, first17: str, relation: str = "head") -> dict[str, str]:
    return {"name": name, "id_number": first17 + check_digit(first17), "relation": relation}


@pytest.fixture
def registered(session, actors) -> dict[str, Household]:
    """Four households over three villages of two townships; 王 is a surname in three of them."""
    found = {}
    for key, village, members in (
            ("wang_fang", VILLAGE, [person("王芳", "15022319700101001"),
                                    person("其木格", "15022319720305002", "spouse")]),
            ("wang_fanghua", VILLAGE_2, [person("王芳华", "15022319800101013")]),
            ("huang_wang", VILLAGE, [person("黄旺", "15022319650707024"),
                                     person("王小明", "15022320100101035", "son")]),
            ("other_wang", VILLAGE_OTHER, [person("王芳", "15022319900101046")]),
    ):
        body = {"village": village, "household_type": "ordinary", "members": members}
        found[key] = households.create_household(session, actors["county"], body, AT)
    session.commit()
    return found


def ids(session, actor, q: str, **search) -> list[int]:
    return [h.id for h in households.search_page(session, actor, households.Search(q=q, **search), Window()).rows]


def test_a_name_finds_the_households_of_members_whose_name_starts_with_it(session, actors, registered):
    qi = actors["county"]
    assert ids(session, qi, "王芳") == [registered[k].id for k in ("wang_fang", "wang_fanghua", "other_wang")]
    assert ids(session, qi, "王") == [registered[k].id for k in ("wang_fang", "wang_fanghua", "huang_wang",
                                                                "other_wang")]
    assert ids(session, qi, "其木格") == [registered["wang_fang"].id]  # a member's name, not only the head's
    assert ids(session, qi, " 王芳华 ") == [registered["wang_fanghua"].id]  # blanks around it as typed
    # the middle or end of a name is not its start: 芳 finds nobody, 旺 not 黄旺 (the search is by the name's start)
    assert ids(session, qi, "芳") == [] and ids(session, qi, "旺") == []


def test_digits_are_the_last_digits_of_an_id_number(session, actors, registered):
    qi = actors["county"]
    spouse = registered["wang_fang"].members[1].id_number
    assert ids(session, qi, spouse[-4:]) == [registered["wang_fang"].id]
    assert ids(session, qi, spouse[-6:]) == [registered["wang_fang"].id]
    assert ids(session, qi, spouse) == [registered["wang_fang"].id]  # the whole number is its own tail
    assert ids(session, qi, spouse[-8:-2]) == []  # digits inside the number are not its end
    full_width = spouse[-4:].translate({ord(digit): ord(digit) + 0xFEE0 for digit in "0123456789"})
    assert ids(session, qi, full_width) == [registered["wang_fang"].id]  # typed on a Chinese keyboard


def test_a_check_character_x_is_found_typed_in_either_case(session, actors, registered):
    first17 = next(f"1502231985010100{n}" for n in range(10) if check_digit(f"1502231985010100{n}") == "X")
    body = {"village": VILLAGE, "household_type": "ordinary", "members": [person("张三", first17)]}
    household = households.create_household(session, actors["county"], body, AT)
    session.commit()
    assert ids(session, actors["county"], first17[-3:] + "x") == [household.id]
    assert ids(session, actors["county"], first17[-3:] + "X") == [household.id]


def test_a_search_stays_in_the_users_scope_and_filters(session, actors, registered):
    assert ids(session, actors["village"], "王") == [registered["wang_fang"].id, registered["huang_wang"].id]
    assert ids(session, actors["township"], "王芳") == [registered["wang_fang"].id, registered["wang_fanghua"].id]
    assert ids(session, actors["county"], "王", village=VILLAGE_2) == [registered["wang_fanghua"].id]
    assert ids(session, actors["village"], registered["other_wang"].members[0].id_number[-6:]) == []


def test_a_search_pages_in_registration_order_with_its_total(session, actors, registered):
    first = households.search_page(session, actors["county"], households.Search(q="王"), Window(limit=3))
    rest = households.search_page(session, actors["county"], households.Search(q="王"), Window(first.next_cursor, 3))
    assert (first.total, [h.id for h in first.rows + rest.rows], rest.next_cursor) == (
        4, sorted(h.id for h in registered.values()), None)


def test_a_member_inserted_in_bulk_is_found_by_its_id_number_tail(session, actors, registered):
    """The reversed number is the column's own default: rows written without the ORM (a migration, a bulk load)
    carry it too."""
    number = person("", "15022319550505057")["id_number"]
    session.execute(insert(Member), [{"household_id": registered["huang_wang"].id, "position": 2, "name": "黄宝",
                                      "id_number": number, "relation": "son", "health": []}])
    session.commit()
    assert session.execute(select(Member.id_number_reversed).where(Member.id_number == number)).scalar() \
        == number[::-1]
    assert ids(session, actors["county"], number[-5:]) == [registered["huang_wang"].id]
    assert ids(session, actors["county"], "黄宝") == [registered["huang_wang"].id]


def test_text_with_no_range_above_it_finds_nobody_instead_of_failing(session, actors, registered):
    assert ids(session, actors["county"], "王\U0010ffff") == []
    assert ids(session, actors["county"], "\u200b") == []


def test_an_export_reads_each_village_once_not_once_a_row(app, session, actors, registered):
    """The XLSX export of the list names each row's village: 10,000 rows read a place 10,000 times before."""
    from engine.paging import walk
    from web.exports import workbook
    from web.households.listing import household_columns

    session.expunge_all()  # as in a request: no place held by anything
    reads = []
    listen = lambda *args: reads.append(args[2]) if "FROM places" in args[2] else None  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        query = households.search_query(session, actors["county"], households.Search())
        workbook("农牧户", household_columns(session), walk(session, query, households.HOUSEHOLD_ORDER, 100))
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    assert len(reads) == 3  # 艾力嘎查 (two households), 新宝力格嘎查, 巴音敖包嘎查


def _plan(session, actor, q: str) -> str:
    query = households.search_query(session, actor, households.Search(q=q)).order_by(Household.id).limit(51)
    compiled = query.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
    return " / ".join(row[-1] for row in session.connection().exec_driver_sql(
        f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params[name] for name in compiled.positiontup)))


def _member_reads(session, actor, q: str) -> list[str]:
    """The plans of the statements a search reads members with (its own, not the page's selectinload)."""
    reads = []
    listen = lambda *args: reads.append((args[2], args[3])) if args[2].startswith(  # noqa: E731
        "SELECT members.household_id") else None
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        households.search_query(session, actor, households.Search(q=q))
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    return [" / ".join(row[-1] for row in session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                                               parameters))
            for statement, parameters in reads]


def test_a_search_reads_the_areas_namesakes_from_the_name_and_place_index(session, actors, registered,
                                                                          database_url):
    """A surname in a village or a township, a full name in the county: the matching members of the area are one
    range of ``ix_members_initial`` (the name's first character, the member's own place), read from the index alone
    — not the region's range of the name filtered by place (a county's surname read every county's namesakes), no
    household visited per namesake of the region, nor (PostgreSQL's choice before) the name's whole range once per
    household of the area — and their households are then read by id."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the reads are chosen in Python, the same on both databases; SQLite's plan shows them")
    for actor, q in ((actors["village"], "王"), (actors["township"], "王"), (actors["county"], "王芳")):
        (plan,) = _member_reads(session, actor, q)
        assert plan == "SEARCH members USING COVERING INDEX ix_members_initial " \
                       "(<expr>=? AND place_path>? AND place_path<?)", plan
        page = _plan(session, actor, q)
        assert "SEARCH households USING INTEGER PRIMARY KEY (rowid=?)" in page and "CORRELATED" not in page, page


def test_a_surname_alone_is_found_by_its_first_character_alone():
    """The same members either way (the searches above by a surname alone find them), but with the name's range
    beside it PostgreSQL took that range for a few rows and read the region's namesakes in ``ix_members_name`` to
    keep a county's (bench/scale.py: 594 pages, 4.0 ms, for the 292 of a county; by the first character and the
    place alone, 0.4 ms). A longer name keeps its range."""
    def sql(q: str) -> str:
        return str(households.member_matches(q).compile(compile_kwargs={"literal_binds": True}))

    assert sql("王") == "substr(members.name, 1, 1) = '王'"
    assert sql(" 王芳") == "substr(members.name, 1, 1) = '王' AND members.name >= '王芳' AND members.name < '王芴'"


def test_more_households_than_are_listed_by_id_are_read_by_a_subquery(session, actors, registered, monkeypatch):
    """A region's surname (tens of thousands of households): past ``LISTED_CAP`` the ids are not sent back to the
    database as a list; the households found are the same."""
    monkeypatch.setattr(households, "LISTED_CAP", 2)  # 3 households of the township have a member named 王…
    assert ids(session, actors["township"], "王") == [registered[k].id for k in ("wang_fang", "wang_fanghua",
                                                                                   "huang_wang")]
    assert ids(session, actors["village"], "王") == [registered["wang_fang"].id, registered["huang_wang"].id]
    assert ids(session, actors["county"], "王芳") == [registered[k].id for k in ("wang_fang", "wang_fanghua",
                                                                                 "other_wang")]


def _household_reads(session, search) -> list[tuple[str, object]]:
    """The statements a search page reads its households with (the count and the page; not the members' load)."""
    reads = []
    listen = lambda *args: reads.append((args[2], args[3])) if "FROM households" in args[2] and \
        "JOIN members" not in args[2] else None  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    try:
        search()
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", listen)
    return reads


def test_the_households_found_are_read_by_id_sent_as_one_parameter(session, actors, registered):
    """A county's surname finds hundreds of households: their ids go to the count and the page as one parameter
    (the statement the same however many were found: an IN of hundreds of parameters cost more CPU than the rest of
    the search), and by id alone — their members were found in the area, so the area's households are not ranged
    over again (PostgreSQL read a county's 10,000 to pick its 300)."""
    one = _household_reads(session, lambda: ids(session, actors["county"], "王芳华"))
    four = _household_reads(session, lambda: ids(session, actors["county"], "王"))
    assert [statement for statement, _ in one] == [statement for statement, _ in four]
    assert all("households.place_path >=" not in statement for statement, _ in four), four


def test_a_household_moved_out_of_the_area_is_no_longer_found_there(session, actors, registered):
    """The area is checked on the members, whose place is their household's, rewritten when it moves."""
    moved = registered["huang_wang"]
    other = session.execute(select(Household).where(Household.village_code == VILLAGE_OTHER)).scalars().first()
    moved.village_code, moved.place_path = other.village_code, other.place_path
    session.commit()
    assert ids(session, actors["village"], "黄旺") == []
    assert ids(session, actors["county"], "黄旺") == [moved.id]


def test_a_search_by_name_alone_is_counted_from_the_households_found_not_read_again(session, actors, registered):
    """A county's surname found its 300 households by their members, then counted them by reading them again."""
    sent = []
    note = lambda *args: sent.append(args[2])  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", note)
    try:
        alone = households.search_page(session, actors["county"], households.Search(q="王"), Window(limit=1))
        filtered = households.search_page(session, actors["county"], households.Search(q="王", village=VILLAGE),
                                          Window(limit=1))
        by_township = households.search_page(session, actors["township"], households.Search(q="王"), Window())
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", note)
    assert (alone.total, filtered.total, by_township.total) == (4, 2, 3)
    assert sum("count(*)" in statement for statement in sent) == 1  # the village's: the filter is not the members'
    assert [m.name for m in by_township.rows[0].members] == ["王芳", "其木格"]  # the members a list shows


def test_a_page_of_a_search_by_name_alone_reads_its_own_households_only(session, actors, registered):
    """Its ids are sent for the page and the next one (is there more?), not every household found."""
    wang_fang, wang_fanghua, huang_wang = (registered[k].id for k in ("wang_fang", "wang_fanghua", "huang_wang"))
    sent = []
    note = lambda *args: sent.append(args[3]) if re.search(r"\bFROM households\b", args[2]) else None  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", note)
    try:
        first = households.search_page(session, actors["county"], households.Search(q="王"), Window(limit=1))
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", note)
    values = [v for parameters in sent for v in (parameters.values() if isinstance(parameters, dict) else parameters)]
    assert [wang_fang, wang_fanghua] in values or json.dumps([wang_fang, wang_fanghua]) in values, sent
    second = households.search_page(session, actors["county"], households.Search(q="王"),
                                    Window(first.next_cursor, 2))
    assert ([h.id for h in second.rows], second.total, second.next_cursor is not None) == (
        [wang_fanghua, huang_wang], 4, True)
