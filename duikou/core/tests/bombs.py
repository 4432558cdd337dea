"""Upload bombs for tests, built in memory and small: a minimal .xlsx written member by member."""

import io
import zipfile

MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def package(
    sheet_data: bytes, shared_strings: bytes = b"", extra: dict[str, bytes] | None = None, types: str = ""
) -> bytes:
    """A minimal .xlsx, written here member by member (compressed as hard as zip can), so a test controls every
    byte: a sheet with its ``<sheetData>`` as given and no ``<dimension>``, shared strings if given, other members
    and ``<Override>`` declarations of parts if given."""
    strings = shared_strings and f'<Override PartName="/xl/sharedStrings.xml" ContentType="{TYPE}.sharedStrings+xml"/>'
    strings_rel = shared_strings and f'<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>'
    members = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{TYPE}.worksheet+xml"/>'
            f"{strings}{types}</Types>"
        ).encode(),
        "_rels/.rels": (
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{DOC}"><sheets><sheet name="表" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>"
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{DOC}/worksheet" '
            f'Target="worksheets/sheet1.xml"/>{strings_rel}</Relationships>'
        ).encode(),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()
        + sheet_data
        + b"</sheetData></worksheet>",
        **({"xl/sharedStrings.xml": shared_strings} if shared_strings else {}),
        **(extra or {}),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def rows_xml(count: int) -> bytes:
    return "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, count + 1)).encode()


def shared_string_bomb(size: int = 20 * MB, types: str = "") -> bytes:
    strings = f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode() + b"A" * size + b"</t></si></sst>"
    return package(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>', strings, types=types)
