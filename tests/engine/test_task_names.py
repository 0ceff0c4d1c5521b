"""A task's name in inbox rows, scenario messages and migration lists is its own (or its multi-instance's), else its id:
an unnamed task never borrows the name of the task before it, which in Spiff's tree is its parent."""

from __future__ import annotations

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine import runtime
from tests.conftest import FIXTURES

MULTI_SIGN = (FIXTURES / "processes" / "multi_sign.bpmn").read_text(encoding="utf-8")


def ready_names(xml: str, signers: int) -> list[tuple[str, str]]:
    """(id, name) of the READY user tasks after every member has signed."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(xml.encode("utf-8"))
    workflow = BpmnWorkflow(parser.get_spec("multi_sign"))
    for task in workflow.get_tasks():
        task.data["members"] = ["甲", "乙"]
    workflow.do_engine_steps()
    signing = list(runtime.ready_human_tasks(workflow).values())
    assert [runtime.task_name(t) for t in signing] == ["家庭成员签字"] * signers  # a multi-instance's name
    for task in signing:
        task.data["agreed"] = True
        task.run()
    workflow.do_engine_steps()
    return [(runtime.bpmn_id(t), runtime.task_name(t)) for t in runtime.ready_human_tasks(workflow).values()]


def test_a_named_task_after_a_multi_instance_has_its_own_name():
    assert ready_names(MULTI_SIGN, 2) == [("file_signatures", "签字材料归档")]


def test_an_unnamed_task_shows_its_id_not_the_name_of_the_task_before_it():
    one_signer = MULTI_SIGN[:MULTI_SIGN.index("<bpmn:multiInstanceLoopCharacteristics")] + \
        MULTI_SIGN[MULTI_SIGN.index("</bpmn:multiInstanceLoopCharacteristics>") + 41:]
    unnamed = one_signer.replace('<bpmn:userTask id="file_signatures" name="签字材料归档">',
                                 '<bpmn:userTask id="file_signatures">')
    assert ready_names(unnamed, 1) == [("file_signatures", "file_signatures")]
