"""People are shown by name and role, never by login id: 姓名 on accounts, the CLI, the admin form, the pages."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, event, select

from monitoring import people
from monitoring.models import User
from tests.conftest import PASSWORD
from tests.web.pages.test_cases import case_at_appraisal
from web.cli import main as fangpin
from web.extensions import db

VILLAGE = "150223100201"


def name(session, username: str, value: str | None) -> None:
    session.execute(select(User).where(User.username == username)).scalar_one().name = value
    session.commit()


def test_the_cli_adds_a_user_with_and_without_a_name(tmp_path, monkeypatch):
    env = {"FANGPIN_INSTANCE_DIR": str(tmp_path), "FANGPIN_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}",
           "FANGPIN_PROCESSES_DIR": str(tmp_path)}
    for variable in ("FANGPIN_CLOCK", "FANGPIN_DOCUMENTS_DIR", "FANGPIN_SECRET_KEY"):
        monkeypatch.delenv(variable, raising=False)
    runner = CliRunner()
    assert runner.invoke(fangpin, ["db", "upgrade"], env=env).exit_code == 0
    assert runner.invoke(fangpin, ["places", "add", "150000000000", "自治区"], env=env).exit_code == 0
    base = ["users", "add", "--role", "region", "--place", "150000000000", "--password", PASSWORD]

    named = runner.invoke(fangpin, [*base[:2], "wang", *base[2:], "--name", " 王建国 "], env=env)
    unnamed = runner.invoke(fangpin, [*base[:2], "li", *base[2:]], env=env)
    blank = runner.invoke(fangpin, [*base[:2], "zhao", *base[2:], "--name", "\u200b"], env=env)

    assert named.exit_code == 0 and named.output.startswith("wang"), named.output
    assert unnamed.exit_code == 0 and unnamed.output.startswith("li"), unnamed.output
    assert blank.exit_code != 0 and "姓名" in blank.output
    with create_engine(env["FANGPIN_DATABASE_URL"]).connect() as connection:
        rows = dict(connection.execute(select(User.username, User.name)).all())
    assert rows == {"wang": "王建国", "li": None}


def test_labels_name_the_role_or_else_the_role_and_place_in_one_query(session, actors):
    name(session, "cun", "张三")
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        found = people.labels(session, ["cun", "zhen", "system", None, "nobody"])
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert found == {"cun": "张三（嘎查村干部）", "zhen": "苏木乡镇（百灵庙镇）", "system": "系统",
                     "nobody": "其他用户"}
    assert len(statements) == 1


def test_the_admin_form_refuses_an_empty_name_on_the_field(pages, session):
    response = pages("guanli").post("/admin/users/new", {"name": "  ", "username": "bao", "role": "village",
                                                         "place": VILLAGE, "password": PASSWORD})
    assert response.status_code == 422
    assert 'id="f-name"' in response.text and 'aria-invalid="true"' in response.text.split('id="f-name"')[1][:200]
    assert "姓名必填" in response.text
    assert session.execute(select(User).where(User.username == "bao")).scalar_one_or_none() is None


def test_the_admin_lists_and_renames_by_name_keeping_the_login_id_in_its_column(pages, session):
    admin = pages("guanli")
    assert admin.post("/admin/users/new", {"name": "包海燕", "username": "bao", "role": "village",
                                           "place": VILLAGE, "password": PASSWORD}).status_code == 302
    user_id = session.execute(select(User.id).where(User.username == "bao")).scalar_one()
    listing = admin.get("/admin/users/?q=海燕").text
    assert "包海燕" in listing and '<td data-label="登录名" class="login-id">bao</td>' in listing
    refused = admin.post(f"/admin/users/{user_id}/name", {"name": ""})
    assert refused.status_code == 422 and "姓名必填" in refused.text
    assert admin.post(f"/admin/users/{user_id}/name", {"name": "包海霞"}).status_code == 302
    session.expire_all()
    assert session.get(User, user_id).name == "包海霞"


@pytest.mark.usefixtures("world")
def test_the_timeline_and_header_read_names_not_login_ids(api, pages, session):
    name(session, "cun", "张三")
    instance_id = case_at_appraisal(api)
    page = pages("cun").get(f"/cases/{instance_id}").text
    assert "<b>张三（嘎查村干部）</b> 完成“走访排查”" in page
    assert '<span class="who">艾力嘎查 · 嘎查村干部 · <b>张三</b></span>' in page
    township = pages("zhen").get(f"/cases/{instance_id}").text
    assert '<span class="who">百灵庙镇 · 苏木乡镇</span>' in township  # no name recorded: no login id either
    assert ">cun<" not in page and ">zhen<" not in township
