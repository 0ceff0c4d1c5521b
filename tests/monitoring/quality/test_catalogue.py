"""The catalogue as a whole: every check registered says what it is, where it comes from and what to fix, and has
its tests (a household that trips it and one that does not) in this folder."""

from __future__ import annotations

import re
from pathlib import Path
from string import Formatter

from monitoring.quality.catalogue import CHECKS, Severity
from tests.monitoring.quality import households  # noqa: F401  (registers the catalogue)

HERE = Path(__file__).parent
PRIVATE = {"id_number", "phone", "bank_account", "health"}  # never a figure a message shows


def test_every_check_says_what_it_is_and_where_it_comes_from():
    assert len(CHECKS) >= 24
    for code, check in CHECKS.items():
        # Q1xx elimination, Q2xx measures, Q3xx risk types and labour, Q4xx income, Q5xx members and identity
        assert re.fullmatch(r"Q[1-5]\d\d", code) and check.code == code, code
        assert isinstance(check.severity, Severity), code
        assert check.title.strip() and check.message.strip() and check.policy.strip(), code
        assert check.fields and all(field.strip() for field in check.fields), code
        names = [name for _, name, _, _ in Formatter().parse(check.message) if name is not None]
        assert all(name.isidentifier() for name in names), (code, names)  # named figures only, no positions
        assert not PRIVATE & set(names), code


def test_every_check_has_its_tests():
    """Each test formats every trip's message from its figures (households.findings), so a check with a test here
    is one whose message formats with what its finder yields."""
    tested = {name.upper()[5:9] for path in HERE.glob("test_*_checks.py")
              for name in re.findall(r"^def (test_q\d{3})_", path.read_text(), re.MULTILINE)}
    assert set(CHECKS) <= tested, sorted(set(CHECKS) - tested)
