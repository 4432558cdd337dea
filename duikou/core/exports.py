"""Excel exports: the format officials exchange. Streams a real .xlsx built with openpyxl."""

import io
from collections.abc import Iterable

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(title: str, header: list[str], rows: Iterable[Iterable]) -> bytes:
    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = str(title)[:31]
    sheet.append([str(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(["" if v is None else (v if isinstance(v, int | float) else str(v)) for v in row])
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
