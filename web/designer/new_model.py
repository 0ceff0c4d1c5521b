"""新建流程: a new key's first draft, made from the skeleton and saved like any draft (engine.model_drafts.save)."""

from __future__ import annotations

from engine import model_drafts
from engine.assignment import Actor
from engine.errors import InvalidData
from web.boundary import engine, unit_of_work
from web.designer.listing import model_exists
from web.designer.skeleton import skeleton_files


def create_model(key: str, name: str, actor: Actor) -> None:
    """Save the skeleton as revision 1 of ``key``'s draft; a key already used (a version or a draft) is refused,
    so a new model never takes over an existing one."""
    model_drafts.check_key(key)
    if not name:
        raise InvalidData("请填写流程名称", {"name": "请填写流程名称"})
    with unit_of_work() as session:
        if model_exists(session, key):
            raise InvalidData("流程标识已被使用", {"key": "已有此标识的流程，请换一个或打开该流程修改"})
        model_drafts.save(engine(), session, actor, key, 0, skeleton_files(key, name))
