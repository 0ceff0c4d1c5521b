// Rows of a list field (household members): add from the <template>, remove a row.
// Indices need not be contiguous: the server reads rows in index order.
document.querySelectorAll("fieldset[data-items]").forEach((fieldset) => {
  const list = fieldset.querySelector(".item-list");
  const template = fieldset.querySelector("template");
  let next = list.children.length;
  fieldset.querySelector(".add-item").addEventListener("click", () => {
    const html = template.innerHTML.replaceAll("__i__", String(next++));
    list.insertAdjacentHTML("beforeend", html);
    const added = list.lastElementChild;
    const first = added.querySelector("input, select, textarea");
    if (first) first.focus();
  });
  list.addEventListener("click", (event) => {
    if (event.target.classList.contains("remove-item")) event.target.closest(".item").remove();
  });
});
const firstError = document.querySelector(".has-error input, .has-error select, .has-error textarea");
if (firstError) firstError.focus();
