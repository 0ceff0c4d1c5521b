// A textarea with line numbers beside it; one line can be marked as the one an error names.

export function codeBox(box) {
  const gutter = box.querySelector(".gutter");
  const text = box.querySelector("textarea");
  let marked = null;

  function draw() {
    const count = text.value.split("\n").length;
    const lines = [];
    for (let n = 1; n <= count; n += 1) {
      lines.push(n === marked ? `<b class="bad-line">${n}</b>` : String(n));
    }
    gutter.innerHTML = lines.join("\n");
    gutter.scrollTop = text.scrollTop;
  }

  text.addEventListener("input", draw);
  text.addEventListener("scroll", () => { gutter.scrollTop = text.scrollTop; });
  draw();
  return {
    text,
    get value() { return text.value; },
    set value(value) { text.value = value; marked = null; draw(); },
    markLine(line) { marked = line || null; draw(); },
    // Marks `line`, puts the caret at its start and scrolls it to the top third of the box.
    goToLine(line) {
      if (!line) return;
      const offset = text.value.split("\n").slice(0, line - 1).reduce((sum, part) => sum + part.length + 1, 0);
      text.focus({ preventScroll: true });
      text.setSelectionRange(offset, offset);
      const height = parseFloat(getComputedStyle(text).lineHeight) || 18;
      text.scrollTop = Math.max(0, (line - 1) * height - text.clientHeight / 3);
      marked = line;
      draw();
    },
    insertAt(snippet) {
      const start = text.selectionStart;
      text.setRangeText(snippet, start, text.selectionEnd, "end");
      text.dispatchEvent(new Event("input", { bubbles: true }));
      text.focus();
    },
  };
}

// The line number a Chinese JSON error message names ("第 3 行…"), if any.
export function lineOf(message) {
  const found = /第 (\d+) 行/.exec(message || "");
  return found ? Number(found[1]) : null;
}
