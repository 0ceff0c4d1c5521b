// 决策表: one tab per DMN file of the draft, each in its own dmn-js editor (D1's createDmnEditor).

export function dmnPanel({ root, container, createDmnEditor, onChange }) {
  const tabs = root.querySelector("[data-role=dmn-tabs]");
  const empty = root.querySelector("[data-role=dmn-empty]");
  let editors = {}; // name -> {editor, box}

  function choose(name) {
    Object.entries(editors).forEach(([other, { box, tab }]) => {
      box.hidden = other !== name;
      tab.setAttribute("aria-selected", String(other === name));
    });
  }

  return {
    // the decision file just created (or any) in front
    choose,
    async load(files) {
      tabs.replaceChildren();
      container.replaceChildren();
      editors = {};
      const names = Object.keys(files).filter((n) => n.endsWith(".dmn")).sort();
      empty.hidden = names.length > 0;
      for (const name of names) {
        const box = document.createElement("div");
        box.className = "dmn-editor";
        container.append(box);
        const tab = document.createElement("button");
        tab.type = "button";
        tab.textContent = name;
        tab.addEventListener("click", () => choose(name));
        tabs.append(tab);
        const editor = createDmnEditor({ container: box });
        editors[name] = { editor, box, tab, text: files[name] };
        try {
          await editor.importXML(files[name]);
        } catch (error) {
          box.textContent = `决策表“${name}”无法打开：${error.message}`;
        }
        if (editor.on) editor.on("changed", () => onChange(name));
      }
      if (names.length) choose(names[0]);
    },
    // The DMN files as they are now; a file its editor could not read stays as it was.
    async files() {
      const out = {};
      for (const [name, { editor, text }] of Object.entries(editors)) {
        try {
          out[name] = await editor.saveXML();
        } catch (error) {
          out[name] = text;
        }
      }
      return out;
    },
  };
}
