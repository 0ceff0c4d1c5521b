"""The campaign pages' layout in Chromium, on the demo, against ``fangpin serve`` (issue 12's review): the
集中排查情况统计表 shows every column inside its card at 1280 px and its headings whole on a phone; the worklist's
badges stay one line high and the income form's checkbox labels stand beside their boxes on a phone."""

from __future__ import annotations

from tests.e2e.browser import open_window, screenshot
from tests.e2e.test_browser import CADRE, COUNTY, PASSWORD, VILLAGE, demo  # noqa: F401 (the module's demo server)

CAMPAIGN = 1  # the demo's one campaign

SUMMARY = """() => {
  const table = document.querySelector('table.summary-table');
  const clipped = [...table.querySelectorAll('th')].filter(th => th.scrollWidth > th.clientWidth + 1)
    .map(th => th.textContent);
  return {table: table.getBoundingClientRect().width,
          card: table.closest('.table-scroll').getBoundingClientRect().width,
          page: document.documentElement.scrollWidth, clipped};
}"""


def test_the_summary_table_fits_its_card_on_a_desktop_and_keeps_its_headings_whole_on_a_phone(demo, browser):  # noqa: F811
    root, _ = demo
    desktop = open_window(browser, root, COUNTY, PASSWORD)
    desktop.goto(f"/campaigns/{CAMPAIGN}")
    screenshot(desktop, "campaign-summary-desktop")
    measured = desktop.evaluate(SUMMARY)
    assert measured["table"] <= measured["card"] + 1, measured  # no column hidden past the card's edge
    assert measured["clipped"] == []
    phone = open_window(browser, root, COUNTY, PASSWORD, phone=True)
    phone.goto(f"/campaigns/{CAMPAIGN}")
    screenshot(phone, "campaign-summary-phone")
    measured = phone.evaluate(SUMMARY)
    assert measured["page"] <= 375 and measured["clipped"] == [], measured  # it scrolls inside its card


def test_the_worklist_badges_and_the_income_forms_checkboxes_keep_to_one_line_on_a_phone(demo, browser):  # noqa: F811
    root, _ = demo
    phone = open_window(browser, root, CADRE, PASSWORD, phone=True)
    phone.goto(f"/campaigns/{CAMPAIGN}/villages/{VILLAGE}")
    screenshot(phone, "campaign-worklist-phone")
    heights = phone.evaluate("""() => [...document.querySelectorAll('table.worklist .badge')]
      .map(b => [b.textContent, b.getBoundingClientRect().height, parseFloat(getComputedStyle(b).lineHeight)])""")
    assert heights and all(height < 1.6 * line for _, height, line in heights), heights  # were 50 and 65 px ovals
    phone.get_by_role("link", name="录入年度收入").first.click()
    phone.wait_for_selector("fieldset")
    screenshot(phone, "campaign-income-form-phone")
    beside = phone.evaluate("""() => [...document.querySelectorAll('fieldset label')].map(label => {
      const box = label.querySelector('input[type=checkbox]').getBoundingClientRect();
      const range = document.createRange();
      const text = [...label.childNodes].flatMap(n => n.nodeType === 3 ? [n] : [...n.childNodes])
        .find(n => n.nodeType === 3 && n.textContent.trim());
      range.setStart(text, text.textContent.search(/\\S/)); range.setEnd(text, text.textContent.search(/\\S/) + 1);
      const first = range.getBoundingClientRect();
      return [label.textContent.trim(), first.left >= box.right, first.top < box.bottom];
    })""")
    assert beside and all(right and level for _, right, level in beside), beside
