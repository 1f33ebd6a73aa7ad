"""Hostile and broken workbooks: each gets a clear 4xx, nothing is stored and the service stays up."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest

from tests.test_api_submissions import URL, stored_counts, submit, template
from tests.workbooks import PLAN, fill_amounts

SENTINEL = 987654321  # typed as the first line's annual amount, then replaced in the sheet's XML
INPUT_PART = "xl/worksheets/sheet1.xml"


# --- building hostile files -------------------------------------------------------------------

def valid(blank: bytes) -> bytes:
    return fill_amounts(blank, PLAN, comment="Ny kurs")


def with_sentinel(blank: bytes, **extra) -> bytes:
    return fill_amounts(blank, {**PLAN, ("UTB", "3010"): SENTINEL}, comment="Ny kurs", **extra)


def rewrite(content: bytes, changes: dict, extra: dict | None = None, drop: tuple = ()) -> bytes:
    """Return the package with parts changed by functions of their text, parts added and parts dropped."""
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            data = source.read(info.filename)
            change = changes.get(info.filename)
            target.writestr(info, change(data.decode()).encode() if change else data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def part_of_sheet(content: bytes, name: str) -> str:
    """Return the zip part of the sheet called `name`."""
    package = zipfile.ZipFile(io.BytesIO(content))
    book, rels = package.read("xl/workbook.xml").decode(), package.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{name}"[^>]*r:id="(rId\d+)"', book).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def with_doctype(xml: str, doctype: str) -> str:
    """Put a DOCTYPE before the root element."""
    body = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + doctype + body


BOMB = ('<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">' + "".join(
    f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(9)) + "]>")
XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def replace_sentinel(content: bytes, cell_xml) -> bytes:
    """Replace the sentinel amount's cell with what `cell_xml(address)` returns."""
    def change(xml: str) -> str:
        pattern = rf'<c r="([A-Z]+\d+)"[^>]*><v>{SENTINEL}</v></c>'
        assert re.search(pattern, xml)
        return re.sub(pattern, lambda m: cell_xml(m.group(1)), xml)
    return rewrite(content, {INPUT_PART: change})


def zip_bomb(blank: bytes) -> bytes:
    """A valid workbook with one more sheet part that inflates to 600 MB, written streaming."""
    out = io.BytesIO(valid(blank))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("xl/worksheets/sheet99.xml", "w", force_zip64=True) as part:
            chunk = b"<row/>" * (1024 * 1024 // 6 + 1)
            for _ in range(600):
                part.write(chunk)
    return out.getvalue()


def encrypted(blank: bytes) -> bytes:
    """The workbook as Excel saves it with a password: an OLE2 container (msoffcrypto-tool)."""
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + b"\0" * 600
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(valid(blank))).encrypt("hemligt", out)
    return out.getvalue()


def renamed_sheet(blank: bytes, old: str, new: str) -> bytes:
    return rewrite(valid(blank), {"xl/workbook.xml": lambda xml: xml.replace(f'name="{old}"', f'name="{new}"')})


def deleted_sheet(blank: bytes, name: str) -> bytes:
    content = valid(blank)
    part = part_of_sheet(content, name)
    return rewrite(content, {"xl/workbook.xml": lambda xml: re.sub(rf'<sheet [^>]*name="{name}"[^>]*/>', "", xml)},
                   drop=(part,))


def million_rows(blank: bytes) -> bytes:
    """The lines table stretched to a million rows, the rows written in the sheet XML."""
    def change(xml: str) -> str:
        rows = "<row><c><v>1</v></c></row>" * 1_000_000  # rows may omit their number
        return xml.replace("</sheetData>", rows + "</sheetData>")

    def stretch(xml: str) -> str:
        return re.sub(r'ref="A(\d+):([A-Z]+)\d+"', r'ref="A\1:\g<2>1000199"', xml, count=1)
    content = valid(blank)
    table = next(n for n in zipfile.ZipFile(io.BytesIO(content)).namelist() if n.startswith("xl/tables/"))
    return rewrite(content, {INPUT_PART: change, table: stretch})


def far_cell(blank: bytes) -> bytes:
    """Two cells spanning the whole sheet grid on the metadata sheet: a dense read would be 17 G cells."""
    content = valid(blank)
    part = part_of_sheet(content, "_meta")
    cell = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return rewrite(content, {part: lambda xml: xml.replace("</sheetData>", cell + "</sheetData>")})


def huge_string(blank: bytes) -> bytes:
    """A 10 MB text in a comment cell (openpyxl would cut it to Excel's 32 767 characters)."""
    return rewrite(valid(blank), {INPUT_PART: lambda xml: xml.replace(">Ny kurs<", ">" + "x" * 10_000_000 + "<", 1)})


def huge_shared_strings(blank: bytes) -> bytes:
    """A shared strings part (read whole when the workbook opens) of 60 MB, far past what 200 000 cells need."""
    content = valid(blank)
    out = io.BytesIO(content)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            for _ in range(60):
                part.write(b"x" * (1024 * 1024))
            part.write(b"</t></si></sst>")
    return out.getvalue()


def million_rows_below(blank: bytes) -> bytes:
    """A million filled rows below the lines table, the table itself unchanged."""
    rows = '<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 1_000_000
    return rewrite(valid(blank), {INPUT_PART: lambda xml: xml.replace("</sheetData>", rows + "</sheetData>")})


def duplicate_line(blank: bytes) -> bytes:
    """A spare row repeating a prefilled (activity, account)."""
    from planround.server.filling import fill_template

    done = []

    def plan(cells):
        pair = (cells["activity"].value, str(cells["account"].value))
        if pair in PLAN:
            return {"annual": PLAN[pair], "comment": "Ny kurs"}
        if cells["activity"].value is None and not done:
            done.append(True)
            return {"activity": "UTB", "account": "3010", "annual": 5}
        return None
    return fill_template(blank, plan)


def stale(client, world, blank: bytes) -> bytes:
    content = valid(blank)
    answer = client.post("/api/v1/rounds/budget-2027/templates?unit=D101", headers=world.auth("admin"))
    assert answer.status_code == 201
    return content


def other_unit(client, world, blank: bytes) -> bytes:
    """A D102 template sent to D101."""
    client.get(f"{URL.format(unit='D102')}/template", headers=world.auth("admin"))
    return valid(template(client, world, unit="D102", who="other_economist"))


def meta_value(content: bytes, old: str, new: str) -> bytes:
    """Change a metadata text as it stands in the shared strings or inline in the meta sheet."""
    part = part_of_sheet(content, "_meta")
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    parts = [p for p in (part, "xl/sharedStrings.xml") if p in names]
    return rewrite(content, {p: (lambda xml: xml.replace(f">{old}<", f">{new}<")) for p in parts})


def changed_prefill(blank: bytes) -> bytes:
    """Last year's actual typed over on the first line."""
    return fill_amounts(blank, PLAN, comment="Ny kurs", last_year=1)


def in_part(part: str, change):
    """Return a builder patching one part of a valid workbook."""
    return lambda c, w, b: rewrite(valid(b), {part: change})


def amount_cell(cell_xml: str):
    """Return a builder putting `cell_xml` (with {a} for the address) where the first annual amount stands."""
    return lambda c, w, b: replace_sentinel(with_sentinel(b), lambda a: cell_xml.format(a=a))


FORMULA = '=HYPERLINK("http://x.invalid","Ny kurs")'

CASES = {
    # name: (status, error code in the answer, build(client, world, blank template) -> bytes)
    "zip_bomb": (415, "not_xlsx", lambda c, w, b: zip_bomb(b)),
    "entity_bomb_workbook": (415, "not_xlsx", in_part("xl/workbook.xml", lambda x: with_doctype(x, BOMB))),
    "entity_bomb_sheet": (415, "not_xlsx", in_part(INPUT_PART, lambda x: with_doctype(x, BOMB).replace(
        "<sheetData>", "<sheetData>&j;", 1))),
    "xxe_sheet": (415, "not_xlsx", in_part(INPUT_PART, lambda x: with_doctype(x, XXE).replace("Ny kurs", "&xxe;"))),
    "macro_content_type": (415, "not_xlsx", in_part("[Content_Types].xml", lambda x: x.replace(
        "sheet.main+xml", "sheet.macroEnabled.main+xml"))),
    "macro_vba_project": (415, "not_xlsx", lambda c, w, b: rewrite(valid(b), {}, {"xl/vbaProject.bin": b"\xd0\xcf"})),
    "password_protected": (415, "not_xlsx", lambda c, w, b: encrypted(b)),
    "truncated_zip": (415, "not_xlsx", lambda c, w, b: valid(b)[:len(valid(b)) // 2]),
    "csv_named_xlsx": (415, "not_xlsx", lambda c, w, b: "konto;belopp\n3010;1000\n".encode()),
    "pdf_named_xlsx": (415, "not_xlsx", lambda c, w, b: b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n"),
    "other_unit": (422, "wrong_unit", other_unit),
    "other_round": (422, "wrong_round", lambda c, w, b: meta_value(valid(b), "budget-2027", "budget-2026")),
    "stale_template_version": (409, "stale_template", stale),
    "tampered_signature": (422, "bad_signature", lambda c, w, b: meta_value(valid(b), _signature(valid(b)),
                                                                           "0" * 64)),
    "changed_prefilled_cells": (422, "prefilled_changed", lambda c, w, b: changed_prefill(b)),
    "deleted_meta_sheet": (422, "meta_sheet_missing", lambda c, w, b: deleted_sheet(b, "_meta")),
    "deleted_input_sheet": (422, "sheet_missing", lambda c, w, b: deleted_sheet(b, "Budget")),
    "renamed_meta_sheet": (422, "meta_sheet_missing", lambda c, w, b: renamed_sheet(b, "_meta", "Info")),
    "million_rows": (422, "too_many_cells", lambda c, w, b: million_rows(b)),
    "million_rows_below_the_table": (422, "sheet_too_many_cells", lambda c, w, b: million_rows_below(b)),
    "far_cell_on_another_sheet": (422, "sheet_too_many_cells", lambda c, w, b: far_cell(b)),
    "ten_mb_string_in_comment": (422, "comment_too_long", lambda c, w, b: huge_string(b)),
    "huge_shared_strings_part": (422, "part_too_large", lambda c, w, b: huge_shared_strings(b)),
    "nan_amount": (422, "not_finite", amount_cell('<c r="{a}"><v>NaN</v></c>')),
    "infinite_amount": (422, "not_finite", amount_cell('<c r="{a}"><v>inf</v></c>')),
    "negative_infinite_amount": (422, "not_finite", amount_cell('<c r="{a}"><v>-INF</v></c>')),
    "date_amount": (422, "date_not_number", lambda c, w, b: fill_amounts(b, {**PLAN, ("UTB", "3010"): date(2027, 1, 1)},
                                                                         comment="x")),
    "error_value_amount": (422, "cell_error", amount_cell('<c r="{a}" t="e"><v>#DIV/0!</v></c>')),
    "duplicate_lines": (422, "duplicate_line", lambda c, w, b: duplicate_line(b)),
    "formula_in_comment": (422, "comment_formula", lambda c, w, b: fill_amounts(b, PLAN, comment=FORMULA)),
}


def _signature(content: bytes) -> str:
    """Return the signature the template carries in its metadata."""
    from planround.server.workbook import read_workbook

    return read_workbook(content, max_cells=10**6).meta["signature"]


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_workbook_gets_a_clear_4xx_nothing_is_stored_and_the_service_stays_up(client, world, engine,
                                                                                        case):
    status, code, build = CASES[case]
    blank = template(client, world)
    content = build(client, world, blank)
    answer = submit(client, world, content)
    assert answer.status_code == status, (case, answer.status_code, answer.json)
    assert answer.is_json and answer.json["message"]
    assert code in {answer.json["error"], *(e["code"] for e in answer.json.get("errors", []))}, answer.json
    assert re.search(r"[åäöÅÄÖ]|inte|ingen|fel", answer.json["message"]), answer.json["message"]
    assert stored_counts(engine) == (0, 0)
    fresh = valid(template(client, world))
    assert submit(client, world, fresh).status_code == 201
