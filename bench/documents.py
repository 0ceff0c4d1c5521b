"""Document rendering cost: a long village notice, a one-page letter, and importing WeasyPrint.

Prints, in one run:
  1. the time to import WeasyPrint in a fresh process (paid once per worker),
  2. the median time to render annex 2 for a notice of ``--households`` households (goal ≤ 2 s for 300),
  3. the median time to render annex 1, a one-page letter.
Each median is over ``--runs`` renders after a warm-up render. The contexts are built synthetically in
the shape ``monitoring.documents.annexes.context_for`` returns, so no database is involved.

Usage: python bench/documents.py [--households 300] [--runs 5]
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLACE = {"county": "达茂旗", "township": "百灵庙镇", "village": "艾力嘎查"}
BODIES = {"village": "艾力嘎查村民委员会", "township": "百灵庙镇人民政府", "county": "达茂旗乡村振兴局"}
TYPES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
RISKS = ("因病", "因残", "因学", "因自然灾害", "因意外事故", "缺劳动力")


def notice_context(households: int) -> dict:
    """Annex 2 of a village that decided ``households`` households at one meeting."""
    rows = [{"number": n, "name": f"村民{n:03d}", "size": n % 6 + 1, "group": f"{n % 9 + 1}组",
             "type": TYPES[n % 3], "risk": RISKS[n % len(RISKS)]} for n in range(1, households + 1)]
    meeting = {"date": "2026年3月2日", "form": "村民代表大会", "attendees": 35, "approved": True, "reason": "",
               "numbers": list(range(1, households + 1)),
               "votes": [{"tally": "同意33票，反对2票，弃权0票", "approved": True}] * households}
    return {"place": PLACE, "bodies": BODIES, "rows": rows, "meetings": [meeting],
            "meetings_held": "于2026年3月2日召开村民代表大会",
            "notice": {"starts_on": "2026年3月2日", "first_day": "2026年3月3日", "ends_on": "2026年3月7日", "days": 5,
                       "count": households}}


def letter_context() -> dict:
    """Annex 1 of a household of four."""
    members = [{"name": name, "id_number": f"15022319{70 + i}0101100{i}", "relation": relation, "sex": sex,
                "ethnicity": "蒙古族", "education": "初中", "schooling": "", "labour_skill": "普通劳动力",
                "insurance": "城乡居民基本医疗保险", "health": "健康", "disability": "", "work": ""}
               for i, (name, relation, sex) in enumerate((("巴特尔", "户主", "男"), ("其木格", "配偶", "女"),
                                                          ("乌日娜", "之女", "女"), ("额尔敦", "之子", "男")))]
    household = {"head_name": "巴特尔", "head_id_number": members[0]["id_number"], "size": len(members),
                 "group": "2组", "address": "艾力嘎查2组18号", "phone": "", "bank_account": "",
                 "household_type": "一般农(牧)户", "monitoring_type": "", "risk_types": "因病", "monitored_since": ""}
    return {"place": PLACE, "bodies": BODIES, "household": household, "members": members,
            "authorization": {"signed_by": "head", "proxy_name": "", "fingerprint": False,
                              "signed_on": "2026年3月2日"}}


def import_seconds() -> float:
    """WeasyPrint's import in a fresh interpreter, as a new worker pays it."""
    code = "import time; t = time.perf_counter(); import weasyprint; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                text=True).stdout)


def median_render(template: str, context: dict, runs: int) -> tuple[float, int]:
    """Median seconds per render after a warm-up, and the page count."""
    from pypdf import PdfReader

    from monitoring.documents.render import render_pdf

    pdf = render_pdf(template, context)
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        render_pdf(template, context)
        timings.append(time.perf_counter() - began)
    return statistics.median(timings), len(PdfReader(io.BytesIO(pdf)).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    imported = import_seconds()
    notice, notice_pages = median_render("annex2.html", notice_context(args.households), args.runs)
    letter, letter_pages = median_render("annex1.html", letter_context(), args.runs)
    print(f"import weasyprint: {imported:.2f} s (once per process)")
    print(f"annex 2, {args.households} households ({notice_pages} pages): median {notice:.2f} s over {args.runs} "
          f"renders (goal ≤ 2 s)")
    print(f"annex 1 ({letter_pages} page): median {letter:.2f} s over {args.runs} renders")


if __name__ == "__main__":
    main()
