// The case's process drawn by bpmn-js, with the steps done, open and awaited marked.
// The page says the same in words; this only adds the picture, so any failure leaves a short note.
(function () {
  "use strict";
  const BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL";
  const READABLE_SCALE = 0.75;
  const EVENT_KINDS = { "bpmn:TimerEventDefinition": "timer", "bpmn:MessageEventDefinition": "message" };
  const box = document.getElementById("case-diagram");
  const dataTag = document.getElementById("case-diagram-data");
  if (!box || !dataTag) return;

  function fail() {
    box.textContent = box.dataset.failed;
    box.classList.add("failed");
  }

  // The viewer's file did not load (removed since the page was made, or blocked): say so, never an empty box.
  if (typeof window.BpmnJS === "undefined") {
    fail();
    return;
  }
  const state = JSON.parse(dataTag.textContent);

  // Lanes are named by role keys (village, township, county); people read them in Chinese.
  function relabelLanes(xml) {
    const doc = new DOMParser().parseFromString(xml, "application/xml");
    for (const lane of doc.getElementsByTagNameNS(BPMN_NS, "lane")) {
      const name = state.lanes[lane.getAttribute("name")];
      if (name) lane.setAttribute("name", name);
    }
    return new XMLSerializer().serializeToString(doc);
  }

  function eventKind(element) {
    const definitions = (element.businessObject && element.businessObject.eventDefinitions) || [];
    return definitions.length ? EVENT_KINDS[definitions[0].$type] : undefined;
  }

  // An event-based gateway waits through the events behind it: mark the ones of the awaited kind too.
  function awaitedEvents(registry, item) {
    const element = registry.get(item.id);
    if (!element) return [];
    if (element.type !== "bpmn:EventBasedGateway") return [element];
    return [element, ...element.outgoing.map((flow) => flow.target).filter((t) => eventKind(t) === item.type)];
  }

  function mark(viewer) {
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    const add = (id, marker) => { if (registry.get(id)) canvas.addMarker(id, marker); };
    registry.filter((e) => e.type === "bpmn:StartEvent" && e.parent && e.parent.type !== "bpmn:SubProcess")
      .forEach((e) => add(e.id, "completed"));
    state.completed.forEach((id) => add(id, "completed"));
    state.active.forEach((id) => add(id, "active"));
    state.waiting.forEach((item) => {
      awaitedEvents(registry, item).forEach((e, index) => add(e.id, index ? "waiting-" + item.type : "waiting"));
    });
  }

  // A long process fitted into a phone-sized box is unreadable: then show the current step at a readable scale.
  function focus(viewer) {
    const canvas = viewer.get("canvas");
    const registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport", "auto");
    const current = [...state.active, ...state.waiting.map((item) => item.id)].map((id) => registry.get(id))
      .find(Boolean);
    if (!current || canvas.zoom() >= READABLE_SCALE) return;
    const width = box.clientWidth / READABLE_SCALE;
    const height = box.clientHeight / READABLE_SCALE;
    canvas.viewbox({ x: current.x + current.width / 2 - width / 2, y: current.y + current.height / 2 - height / 2,
      width: width, height: height });
  }

  async function show() {
    const response = await fetch(box.dataset.xml, { credentials: "same-origin" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    const viewer = new window.BpmnJS({ container: box });
    await viewer.importXML(relabelLanes(await response.text()));
    mark(viewer);
    focus(viewer);
    const fit = document.getElementById("diagram-fit");
    if (fit) {
      fit.hidden = false;
      fit.addEventListener("click", () => viewer.get("canvas").zoom("fit-viewport", "auto"));
    }
  }

  show().catch(fail);
})();
