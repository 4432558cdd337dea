"""Reading what users upload, within limits: the one reader of every uploaded table (.xlsx, CSV, dataValueSets JSON)
and the one size check of every uploaded file (evidence, attachments, departmental files).

A small file can cost a server much more than its size: an .xlsx is a zip archive, and one member of a few hundred
kilobytes can decompress to hundreds of megabytes; a sheet without its ``<dimension>`` element does not say how
many rows it has, and openpyxl reads it through once just to find out. So, with the limits of settings.py
(``DUIKOU_UPLOAD_*``):

- an upload larger than ``DUIKOU_UPLOAD_MAX_MB`` is refused before it is read;
- an archive whose directory announces a member larger than ``DUIKOU_UPLOAD_MEMBER_MAX_MB`` (a member openpyxl reads
  whole into memory, such as the shared strings: every member but the worksheets, which it streams row by row), or
  members larger than ``DUIKOU_UPLOAD_UNCOMPRESSED_MAX_MB`` together, is refused before anything but the list of its
  parts is decompressed, and since a directory can lie, the bytes really decompressed are counted against the same
  limits as they come;
- the rows of every sheet are counted, streaming, before openpyxl reads the workbook, and the count stops at the first
  row past ``DUIKOU_UPLOAD_MAX_ROWS``; CSV rows and JSON objects are counted the same way as they are parsed.

Each refusal is a ``UserFacingError`` naming the file and the limit. Cells come back stripped, blank as None, and
without the apostrophe our exports put before text that looks like a formula (``core.exports.safe_cell``), so an
export re-imports unchanged.
"""

import csv
import datetime
import io
import json
import os
import zipfile
from xml.parsers import expat

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.packaging.manifest import Manifest
from openpyxl.reader.excel import ExcelReader
from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS, WORKSHEET_TYPE
from openpyxl.xml.functions import fromstring
from python_calamine import CalamineWorkbook, SheetTypeEnum

from .errors import UserFacingError
from .exports import ESCAPE, unescape_cell

MB = 1024 * 1024
MAX_MEMBERS = 1000  # an .xlsx has a few dozen members; thousands of empty ones only cost the reader time
CHUNK = 64 * 1024
# a sheet is read into a rectangle as wide as its last column and as long as its last row: a cell named at the far
# corner (XFD1048576) would make a few bytes a rectangle of billions of cells, so a cell past this column is refused
MAX_COLUMNS = 256


def max_rows() -> int:
    return settings.DUIKOU_UPLOAD_MAX_ROWS


def too_many_rows(filename: str) -> UserFacingError:
    return UserFacingError(_("「%(name)s」超过单次导入上限 %(n)s 行，请分批导入") % {"name": filename, "n": max_rows()})


def too_many_columns(filename: str) -> UserFacingError:
    return UserFacingError(_("「%(name)s」有超过 %(n)s 列的单元格，不予读取") % {"name": filename, "n": MAX_COLUMNS})


def _column(ref: str) -> int:
    """The column number of a cell reference such as 「AB12」."""
    number = 0
    for char in ref:
        if not "A" <= char <= "Z":
            break
        number = number * 26 + ord(char) - 64
    return number


def size_error(name: str, size: int, limit_mb: int | None = None) -> str | None:
    """Why an upload of ``size`` bytes is refused, or None: at most ``DUIKOU_UPLOAD_MAX_MB`` (or ``limit_mb``, where
    a page keeps the file in the session and allows less)."""
    limit_mb = limit_mb or settings.DUIKOU_UPLOAD_MAX_MB
    if size > limit_mb * MB:
        return f"「{name}」有 {size / MB:.1f} MB，超过上传文件上限 {limit_mb} MB"
    return None


def check_size(name: str, size: int, limit_mb: int | None = None) -> None:
    message = size_error(name, size, limit_mb)
    if message:
        raise UserFacingError(message)


def read_upload(upload, *, limit_mb: int | None = None) -> bytes:
    """The bytes of an uploaded file, refused when larger than the limit; never more than the limit is read, whatever
    size the upload claims."""
    name = os.path.basename(upload.name or "")
    check_size(name, upload.size or 0, limit_mb)
    limit = (limit_mb or settings.DUIKOU_UPLOAD_MAX_MB) * MB
    upload.seek(0)
    data = upload.read(limit + 1)
    check_size(name, len(data), limit_mb)
    return data


# --- .xlsx: a zip archive -------------------------------------------------------------------------------------


class _Counted(io.RawIOBase):
    """One member being decompressed; every chunk is counted against the archive's limits before it is handed on."""

    def __init__(self, stream, archive: "_BoundedZip", member: str):
        super().__init__()
        self._stream, self._archive, self._member, self._size = stream, archive, member, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(min(len(buffer), CHUNK))
        self._size += len(data)
        self._archive.found(self._member, self._size)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


class _BoundedZip(zipfile.ZipFile):
    """A zip archive whose members are counted as they are decompressed: a member found larger than the member
    limit, or members larger than the total limit together, are refused on the spot, whatever the directory said."""

    def __init__(self, data: bytes, filename: str):
        super().__init__(io.BytesIO(data))
        self.shown = filename
        self.member_limit = settings.DUIKOU_UPLOAD_MEMBER_MAX_MB * MB
        self.total_limit = settings.DUIKOU_UPLOAD_UNCOMPRESSED_MAX_MB * MB
        self.sizes: dict[str, int] = {}  # the bytes each member has really given so far (read twice, counted once)
        self.total = 0
        self.streamed: set[str] = set()  # the worksheets: openpyxl reads them row by row, every other member whole

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        stream = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode != "r":
            return stream
        return _Counted(stream, self, name.filename if isinstance(name, zipfile.ZipInfo) else name)

    def found(self, member: str, size: int) -> None:
        before = self.sizes.get(member, 0)
        if size <= before:
            return
        self.sizes[member] = size
        self.total += size - before
        if size > self.member_limit and member not in self.streamed:
            raise self.member_too_big(member, size)
        if self.total > self.total_limit:
            raise self.too_big(self.total)

    def member_too_big(self, member: str, size: int) -> UserFacingError:
        return UserFacingError(
            f"「{self.shown}」中的「{member}」解压后超过 {size / MB:.1f} MB，"
            f"超过单个部分解压后的上限 {self.member_limit // MB} MB，不予读取"
        )

    def too_big(self, size: int) -> UserFacingError:
        return UserFacingError(
            f"「{self.shown}」解压后超过 {size / MB:.1f} MB，超过解压后的总上限 {self.total_limit // MB} MB，不予读取"
        )

    def check_directory(self) -> None:
        """What the archive's directory announces, before anything but the list of its parts is decompressed."""
        members = self.infolist()
        if len(members) > MAX_MEMBERS:
            raise UserFacingError(
                _("「%(name)s」含有 %(n)s 个部分，超过上限 %(limit)s 个，不予读取")
                % {"name": self.shown, "n": len(members), "limit": MAX_MEMBERS}
            )
        types = next((info for info in members if info.filename == ARC_CONTENT_TYPES), None)
        if types is not None and types.file_size > self.member_limit:
            raise self.member_too_big(types.filename, types.file_size)
        self.streamed = self._worksheets() if types is not None else set()
        for info in members:
            if info.file_size > self.member_limit and info.filename not in self.streamed:
                raise self.member_too_big(info.filename, info.file_size)
        total = sum(info.file_size for info in members)
        if total > self.total_limit:
            raise self.too_big(total)

    def _worksheets(self) -> set[str]:
        """The parts the package declares as worksheets, as openpyxl finds its parts; never the shared strings, which
        openpyxl reads whole, whatever else the package says of that part."""
        try:
            manifest = Manifest.from_tree(fromstring(self.read(ARC_CONTENT_TYPES)))
        except UserFacingError:
            raise
        except Exception:
            return set()  # a broken list of parts: openpyxl refuses the file
        declared = {(o.PartName.lstrip("/"), o.ContentType) for o in manifest.Override}
        strings = {name for name, kind in declared if kind == SHARED_STRINGS}
        return {name for name, kind in declared if kind == WORKSHEET_TYPE} - strings

    def check_rows(self) -> None:
        """Count the rows of every member that is a worksheet, streaming, and stop at the first row past the limit,
        or at a cell past ``MAX_COLUMNS``: before a reader reads a sheet into memory (calamine makes a rectangle as
        long as the last row and as wide as the last column). A row or a cell names its place (``r``), or follows
        the one before. Every member is tried, since the workbook may keep a sheet under any name; what is not XML
        stops at once."""
        for info in self.infolist():
            if not info.is_dir():
                self._count(info)

    def _count(self, info) -> None:
        limit = max_rows() + 1  # the header and the data rows
        rows = last = column = 0  # the rows seen, the number of the last, the column of the last cell in it

        def start(name, attributes):
            nonlocal rows, last, column
            name = name.rpartition(" ")[2]  # a row or cell of any namespace: the reader knows them by local name
            if name == "c":
                ref = attributes.get("r")
                column = _column(ref) if ref else column + 1
                if column > MAX_COLUMNS:
                    raise too_many_columns(self.shown)
            elif name == "row":
                rows += 1
                column = 0
                number = attributes.get("r")
                last = int(number) if number and number.isdigit() else last + 1
                if rows > limit or last > limit:
                    raise too_many_rows(self.shown)

        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = start
        with self.open(info) as member:
            try:
                while chunk := member.read(CHUNK):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
            except expat.ExpatError:
                return  # not XML: the reader refuses it if the workbook needs it


def _not_a_workbook(filename: str, exc: Exception) -> UserFacingError:
    return UserFacingError(
        _("无法读取「%(name)s」：不是有效的 .xlsx 工作簿（%(error)s）")
        % {"name": filename, "error": exc.__class__.__name__}
    )


def checked_archive(data: bytes, filename: str) -> "_BoundedZip":
    """The archive of an uploaded .xlsx once it has passed the limits: its directory, then every member decompressed
    and counted, the rows and columns of every sheet counted; before any reader parses a sheet."""
    check_size(filename, len(data))
    try:
        archive = _BoundedZip(data, filename)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _not_a_workbook(filename, exc) from exc
    try:
        archive.check_directory()
        archive.check_rows()
    except UserFacingError:
        archive.close()
        raise
    except Exception as exc:  # a broken zip member
        archive.close()
        raise _not_a_workbook(filename, exc) from exc
    return archive


def open_workbook(data: bytes, filename: str):
    """A read-only openpyxl workbook (cell values, not formulas) of an uploaded .xlsx, within the limits (for a
    reader that needs more than the cells' values; tables are read by ``read_table``)."""
    archive = checked_archive(data, filename)
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
        reader.archive.close()
        reader.archive, reader.valid_files = archive, archive.namelist()
        reader.read()
    except UserFacingError:
        archive.close()
        raise
    except Exception as exc:  # a broken or disguised file: zip, XML or openpyxl errors alike
        archive.close()
        raise _not_a_workbook(filename, exc) from exc
    return reader.wb


# --- tables ----------------------------------------------------------------------------------------------------


def clean_cell(value):
    """A cell as the importers read it: without our exports' formula escape, stripped, blank as None."""
    value = unescape_cell(value)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _clean_text(value: str):
    """``clean_cell`` of a CSV field (always text), with the common case first: no escape to take off."""
    if value[:1] == ESCAPE:
        value = unescape_cell(value)
    return value.strip() or None


def _collect(rows, filename: str, clean=clean_cell) -> list[list]:
    """The rows, cleaned; refused at the first row past the limit (the header and ``max_rows()`` rows are allowed)."""
    limit = max_rows() + 1
    out = []
    for row in rows:
        if len(out) >= limit:
            raise too_many_rows(filename)
        out.append([clean(v) for v in row])
    return out


def _csv_rows(data: bytes, filename: str) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030: a CSV saved by Excel on a Chinese Windows
        text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
        try:
            return _collect(csv.reader(text), filename, _clean_text)
        except UnicodeDecodeError:
            continue
        except csv.Error as exc:
            raise UserFacingError(
                _("无法读取「%(name)s」：CSV 格式错误（%(error)s）") % {"name": filename, "error": exc}
            ) from exc
    raise UserFacingError(_("无法读取「%(name)s」：CSV 既不是 UTF-8 也不是 GBK 编码") % {"name": filename})


def xlsx_cell(value):
    """A cell as calamine gives it, as openpyxl gave it (what every importer was written against): a whole number as
    an int, a date as a datetime at midnight, an empty cell as None."""
    if type(value) is float:
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if type(value) is datetime.date:
        return datetime.datetime(value.year, value.month, value.day)  # noqa: DTZ001 (a calendar date, as openpyxl)
    if type(value) is str:
        return clean_cell(value)
    return value


def _xlsx_rows(data: bytes, filename: str, sheet_title: str) -> tuple[str, list[list]]:
    """The cells of the sheet called ``sheet_title`` (else the first worksheet), read by calamine (Rust) once the
    archive has passed the limits: the sheet from its first row and column (A1), so rows keep their numbers."""
    checked_archive(data, filename).close()
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        title = sheet_title if sheet_title in sheets else sheets[0]
        cells = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
    except Exception as exc:  # a broken or disguised file: zip, XML or calamine errors alike
        raise _not_a_workbook(filename, exc) from exc
    if len(cells) > max_rows() + 1:  # the archive's rows were counted; this is the sheet as read
        raise too_many_rows(filename)
    return title, [[xlsx_cell(v) for v in row] for row in cells]


def read_table(data: bytes, filename: str, sheet_title: str = "") -> tuple[list, list[tuple[int, list]]]:
    """The header row and the data rows (with their row numbers) of an uploaded .xlsx or CSV file: the sheet called
    ``sheet_title``, else the first."""
    check_size(filename, len(data))
    name = (filename or "").lower()
    if name.endswith(".csv"):
        rows = _csv_rows(data, filename)
        if not rows:
            raise UserFacingError(_("「%(name)s」是空文件") % {"name": filename})
    elif name.endswith((".xlsx", ".xlsm")):
        title, rows = _xlsx_rows(data, filename, sheet_title)
        if not rows:
            raise UserFacingError(_("「%(name)s」的工作表「%(sheet)s」是空的") % {"name": filename, "sheet": title})
    else:
        raise UserFacingError(_("「%(name)s」不是 .xlsx 或 .csv 文件，请使用下载的模板") % {"name": filename})
    return rows[0], list(enumerate(rows[1:], start=2))


class _TooMany(Exception):
    pass


def read_json(data: bytes, filename: str):
    """An uploaded JSON document whose every object is one row (DHIS2 ``dataValueSets``): parsing stops at the first
    object past the limit (the rows and the one object around them)."""
    check_size(filename, len(data))
    limit, count = max_rows() + 1, 0

    def counted(obj):
        nonlocal count
        count += 1
        if count > limit:
            raise _TooMany
        return obj

    try:
        return json.loads(data.decode("utf-8-sig"), object_hook=counted)
    except _TooMany:
        raise too_many_rows(filename) from None
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UserFacingError(
            (
                _("「%(name)s」不是有效的 JSON 文件（%(error)s）")
                % {"name": filename, "error": f"{exc.__class__.__name__}：{exc}"}
            )[:300]
        ) from exc
