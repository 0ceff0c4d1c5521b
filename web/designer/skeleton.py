"""The BPMN a new model starts from: start → one user task in the village's lane → end, with its diagram."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

_SKELETON = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" \
xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" \
id="definitions" targetNamespace="http://fangpin.example/bpmn" exporter="fangpin" exporterVersion="1">
  <bpmn:collaboration id="collaboration">
    <bpmn:participant id="participant" name={name} processRef={key}/>
  </bpmn:collaboration>
  <bpmn:process id={key} name={name} isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_village" name="village">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>first_task</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="开始">
      <bpmn:outgoing>f_start_first_task</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="first_task" name="办理">
      <bpmn:incoming>f_start_first_task</bpmn:incoming>
      <bpmn:outgoing>f_first_task_end</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end" name="结束">
      <bpmn:incoming>f_first_task_end</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f_start_first_task" sourceRef="start" targetRef="first_task"/>
    <bpmn:sequenceFlow id="f_first_task_end" sourceRef="first_task" targetRef="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="collaboration">
      <bpmndi:BPMNShape id="participant_di" bpmnElement="participant" isHorizontal="true">
        <dc:Bounds x="120" y="60" width="560" height="200"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="lane_village_di" bpmnElement="lane_village" isHorizontal="true">
        <dc:Bounds x="150" y="60" width="530" height="200"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="212" y="142" width="36" height="36"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="first_task_di" bpmnElement="first_task">
        <dc:Bounds x="330" y="120" width="100" height="80"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end">
        <dc:Bounds x="532" y="142" width="36" height="36"/>
      </bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f_start_first_task_di" bpmnElement="f_start_first_task">
        <di:waypoint x="248" y="160"/>
        <di:waypoint x="330" y="160"/>
      </bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f_first_task_end_di" bpmnElement="f_first_task_end">
        <di:waypoint x="430" y="160"/>
        <di:waypoint x="532" y="160"/>
      </bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def skeleton_files(key: str, name: str) -> dict[str, str]:
    """The files of a new model's first draft: ``{key}.bpmn`` whose process is ``key`` named ``name``. Both are put
    in as attribute values, quoted, so whatever was typed stays XML; the draft's check judges the key."""
    return {f"{key}.bpmn": _SKELETON.format(key=quoteattr(key), name=quoteattr(name))}
