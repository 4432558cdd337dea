"""Excel and CSV exports: the formats officials exchange, built with openpyxl and the csv module.

Every cell of every spreadsheet or CSV file the platform writes goes through ``safe_cell``: text that a
spreadsheet would take for a formula (``=HYPERLINK(...)`` typed as a project name) is written with a leading
apostrophe, so that opening an export never runs what someone typed into the platform. The importers take the
apostrophe off again (``unescape_cell``, in ``core.uploads``), so an export re-imports unchanged.
"""

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection"): = + - @, and a tab or a carriage
# return before them, which some spreadsheets skip.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def safe_cell(value):
    """The value as written to a cell: text beginning with = + - @, a tab or a carriage return gets a leading
    apostrophe; so does text whose leading apostrophes stand before one of those, so that ``unescape_cell`` gives
    back exactly what was written. Numbers (a negative number too), dates and other text stay as they are."""
    if isinstance(value, str) and value.lstrip(ESCAPE).startswith(FORMULA_START):
        return ESCAPE + value
    return value


def unescape_cell(value):
    """What ``safe_cell`` was given: one leading apostrophe less on text it escaped, anything else unchanged."""
    if isinstance(value, str) and value.startswith(ESCAPE) and value.lstrip(ESCAPE).startswith(FORMULA_START):
        return value[1:]
    return value


def safe_row(values: Iterable) -> list:
    return [safe_cell(v) for v in values]


class SafeCsvWriter:
    """``csv.writer`` whose every field goes through ``safe_cell``; numbers are written as numbers."""

    def __init__(self, stream):
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_bytes(header: list[str], rows: Iterable[Iterable]) -> bytes:
    """A CSV file in UTF-8 with a byte-order mark (which Excel needs to read UTF-8), every field escaped."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_value(value):
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return value
    return safe_cell(str(value))


def xlsx_bytes(title: str, header: list[str], rows: Iterable[Iterable]) -> bytes:
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = str(title)[:31]
    sheet.append(safe_row(str(h) for h in header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download(content: bytes, filename: str, content_type: str = XLSX) -> HttpResponse:
    """A file the browser saves under ``filename``."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(filename: str, title: str, header: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    return download(xlsx_bytes(title, header, rows), filename)
