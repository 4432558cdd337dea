"""Uploads that would cost the server far more than their size are refused, after bounded work, with the limit named.

The bombs (core/tests/bombs.py) are small: a shared-strings member that decompresses to 20 MB against a limit
lowered to 1 MB, and a sheet without a ``<dimension>`` with 50,000 rows against a limit lowered to 100.
"""

import datetime
import io
import json
import zipfile
from collections import Counter

import pytest

from duikou.core import uploads
from duikou.core.errors import UserFacingError
from duikou.core.tests.bombs import MB, TYPE, package, rows_xml, shared_string_bomb


@pytest.fixture
def decompressed(monkeypatch):
    """Bytes decompressed per archive member, counted under the reader by zipfile itself."""
    counted = Counter()
    read = zipfile.ZipExtFile.read

    def counting(self, n=-1):
        data = read(self, n)
        counted[self.name] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    return counted


@pytest.fixture
def low_limits(settings):
    settings.DUIKOU_UPLOAD_MEMBER_MAX_MB = 1
    settings.DUIKOU_UPLOAD_UNCOMPRESSED_MAX_MB = 2
    settings.DUIKOU_UPLOAD_MAX_ROWS = 100
    return settings


def test_shared_string_bomb_is_refused_from_the_directory_before_decompressing(low_limits, decompressed):
    bomb = shared_string_bomb()
    assert len(bomb) < 100 * 1024  # tens of kilobytes sent, twenty megabytes once decompressed
    with pytest.raises(UserFacingError, match=r"「bomb.xlsx」中的「xl/sharedStrings.xml」.*上限 1 MB"):
        uploads.read_table(bomb, "bomb.xlsx")
    assert decompressed["xl/sharedStrings.xml"] == 0


def test_a_lying_directory_is_caught_while_decompressing(low_limits, decompressed, monkeypatch):
    monkeypatch.setattr(uploads._BoundedZip, "check_directory", lambda self: None)  # as if the directory lied
    with pytest.raises(UserFacingError, match=r"「xl/sharedStrings.xml」解压后超过 1\.\d MB.*上限 1 MB"):
        uploads.read_table(shared_string_bomb(), "bomb.xlsx")
    assert decompressed["xl/sharedStrings.xml"] <= 1 * MB + uploads.CHUNK


def test_shared_strings_declared_a_worksheet_as_well_are_still_read_whole_and_limited(low_limits):
    also_a_sheet = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{TYPE}.worksheet+xml"/>'
    with pytest.raises(UserFacingError, match=r"「xl/sharedStrings.xml」.*上限 1 MB"):
        uploads.read_table(shared_string_bomb(2 * MB, types=also_a_sheet), "bomb.xlsx")


def test_a_worksheet_is_streamed_so_only_the_total_limit_applies_to_it(low_limits):
    low_limits.DUIKOU_UPLOAD_MAX_ROWS, low_limits.DUIKOU_UPLOAD_UNCOMPRESSED_MAX_MB = 100_000, 10
    # a sheet of 2.4 MB: more than the 1 MB allowed a member read whole, within the 10 MB of all members
    header, body = uploads.read_table(package(rows_xml(50_000)), "rows.xlsx")
    assert header == [1] and len(body) == 49_999


def test_members_over_the_total_limit_together_are_refused(low_limits):
    padding = {f"xl/media/filler{i}.bin": b"\0" * (MB - 1024) for i in range(3)}  # each under 1 MB, 3 MB in all
    with pytest.raises(UserFacingError, match="「padded.xlsx」解压后超过 3.0 MB，超过解压后的总上限 2 MB"):
        uploads.open_workbook(package(rows_xml(1), extra=padding), "padded.xlsx")


def test_sheet_without_dimension_is_refused_at_the_first_row_past_the_limit(low_limits, decompressed):
    low_limits.DUIKOU_UPLOAD_UNCOMPRESSED_MAX_MB = 10
    data = package(rows_xml(50_000))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_size = archive.getinfo("xl/worksheets/sheet1.xml").file_size
    assert sheet_size > 1_500_000
    with pytest.raises(UserFacingError, match="「rows.xlsx」超过单次导入上限 100 行"):
        uploads.read_table(data, "rows.xlsx")
    # the reader stopped a few rows past the limit: it decompressed one chunk of the sheet, not the sheet
    assert 0 < decompressed["xl/worksheets/sheet1.xml"] <= 2 * uploads.CHUNK


def test_rows_up_to_the_limit_are_read(low_limits):
    header, body = uploads.read_table(package(rows_xml(101)), "rows.xlsx")
    assert header == [1] and len(body) == 100 and body[-1] == (101, [101])


def test_csv_reading_stops_at_the_first_row_past_the_limit(low_limits):
    # a broken row at the end: reading it would be a CSV error, so the limit must come first
    text = "名称\n" + "行\n" * 150 + '"' + "x" * 200_000 + '"\n'
    with pytest.raises(UserFacingError, match="超过单次导入上限 100 行"):
        uploads.read_table(text.encode(), "rows.csv")


def test_json_parsing_stops_at_the_first_object_past_the_limit(low_limits):
    values = [{"dataElement": "x", "period": "2025", "orgUnit": "N09", "value": "1"}] * 150
    data = json.dumps({"dataValues": values}).encode() + b" not json"  # the rest would be a syntax error
    with pytest.raises(UserFacingError, match="超过单次导入上限 100 行"):
        uploads.read_json(data, "values.json")


def test_an_upload_over_the_size_limit_is_refused_without_reading_it(settings):
    settings.DUIKOU_UPLOAD_MAX_MB = 1

    class Upload(io.BytesIO):
        name, size = "大文件.xlsx", 3 * MB

    upload = Upload(b"x" * (3 * MB))
    with pytest.raises(UserFacingError, match="「大文件.xlsx」有 3.0 MB，超过上传文件上限 1 MB"):
        uploads.read_upload(upload)
    assert upload.tell() == 0
    upload.size = 10  # a size that lies: still never more than the limit is read
    with pytest.raises(UserFacingError, match="超过上传文件上限 1 MB"):
        uploads.read_upload(upload)
    assert upload.tell() == MB + 1


def test_unreadable_files_are_explained_in_the_users_language():
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(UserFacingError, match="“empty.csv” is empty"):
            uploads.read_table(b"", "empty.csv")
        with pytest.raises(UserFacingError, match="“notes.txt” is not an .xlsx or .csv file"):
            uploads.read_table(b"hello", "notes.txt")
    with pytest.raises(UserFacingError, match="「empty.csv」是空文件"):
        uploads.read_table(b"", "empty.csv")


def test_a_sheet_reads_as_openpyxl_read_it():
    """calamine reads the cells; every importer sees the values openpyxl gave: whole numbers as int, dates as a
    datetime at midnight, text stripped and unescaped, blanks as None, the rows from row 1 and column A."""
    from openpyxl import Workbook

    day, moment = datetime.datetime(2024, 5, 20), datetime.datetime(2024, 5, 20, 13, 30)  # noqa: DTZ001 (as cells are)
    book = Workbook()
    sheet = book.active
    sheet.title = "表"
    sheet["B3"], sheet["C3"], sheet["D3"], sheet["E3"] = 5, 1200.5, 0.1, -3
    sheet["F3"], sheet["G3"] = day, moment
    sheet["H3"], sheet["I3"], sheet["J3"], sheet["K3"] = True, "  文字 ", "'=1+1", "   "
    sheet["B5"] = "411526 潢川县"
    other = book.create_sheet("别的")
    other["A1"] = "不读"
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()

    header, body = uploads.read_table(data, "cells.xlsx", "表")
    slow = uploads.open_workbook(data, "cells.xlsx")
    expected = [[uploads.clean_cell(v) for v in row] for row in slow["表"].iter_rows(values_only=True)]
    assert [header, *(cells for _n, cells in body)] == expected
    assert [n for n, _cells in body] == [2, 3, 4, 5]
    row = body[1][1]
    assert row[1:8] == [
        5,
        1200.5,
        0.1,
        -3,
        day,
        moment,
        True,
    ]
    assert type(row[1]) is int and row[8:] == ["文字", "=1+1", None]
    assert uploads.read_table(data, "cells.xlsx", "没有这张表")[0] == expected[0]  # the first sheet


@pytest.mark.parametrize(
    "sheet_data, message",
    [
        (b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>1</v></c></row>', "100 行"),
        (b'<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>1</v></c></row>', "256 列"),
        (b'<row r="1">' + b"<c><v>1</v></c>" * 300 + b"</row>", "256 列"),  # cells that follow one another
    ],
)
def test_a_cell_far_from_the_others_is_refused_before_the_sheet_is_read(low_limits, sheet_data, message, monkeypatch):
    # a reader makes a rectangle up to the last row and column: two cells would be billions
    monkeypatch.setattr(uploads.CalamineWorkbook, "from_filelike", lambda *a: pytest.fail("read"))
    with pytest.raises(UserFacingError, match=message):
        uploads.read_table(package(sheet_data), "far.xlsx")


def test_the_last_column_allowed_is_read(low_limits):
    header, _body = uploads.read_table(package(b'<row r="1"><c r="IV1"><v>7</v></c></row>'), "wide.xlsx")
    assert len(header) == uploads.MAX_COLUMNS and header[-1] == 7
