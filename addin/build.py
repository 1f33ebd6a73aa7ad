"""Build `planround.xlam` from the committed sources, on any OS, without Excel, byte for byte the same.

The add-in is an OOXML zip: a workbook part of the add-in content type with one empty sheet,
`xl/vbaProject.bin` compiled from `addin/vba/*.bas` with the ms-ovba packages, and the ribbon
`customUI/customUI14.xml` related from the package root. Every zip entry has a fixed time,
order and attributes and is stored uncompressed, so the bytes depend on no clock, OS or zlib.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ADDIN_DIR = Path(__file__).parent
VBA_DIR = ADDIN_DIR / "vba"
RIBBON_XML = ADDIN_DIR / "ribbon" / "customUI14.xml"
CODEPAGE = "cp1252"  # the code page ms-ovba writes into the project's dir stream
PROJECT_ID = "{5B3A0F4E-2C1D-4E7A-9F60-3D8B1C7A2E51}"  # fixed: a new id per build would change the bytes
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry

MAIN_TYPE = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
UI_RELATIONSHIP = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
VBA_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
SHEET_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
STYLES_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


class BuildError(Exception):
    """A source the add-in is built from cannot be used; the message says which and why."""


@dataclass(frozen=True)
class VbaModule:
    name: str
    code: str  # the .bas text with its Attribute lines, newlines as \n


def vba_modules(vba_dir: Path = VBA_DIR) -> list[VbaModule]:
    """Read the standard modules, in file-name order, named by their file."""
    modules = [VbaModule(path.stem, path.read_text(encoding="utf-8").replace("\r\n", "\n"))
               for path in sorted(vba_dir.glob("*.bas"))]
    if not modules:
        raise BuildError(f"inga VBA-moduler (*.bas) i {vba_dir}")
    for module in modules:
        try:
            module.code.encode(CODEPAGE)
        except UnicodeEncodeError as error:
            raise BuildError(f"{module.name}.bas: tecknet {error.object[error.start]!r} finns inte i {CODEPAGE}") from None
    return modules


def build_addin(out: Path, *, vba_dir: Path = VBA_DIR, ribbon_xml: Path = RIBBON_XML) -> Path:
    """Write the add-in file to `out` and return its path."""
    parts = package_parts(vba_project_bin(vba_modules(vba_dir)), ribbon_xml.read_bytes())
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as package:
        for name, content in parts:
            package.writestr(zip_entry(name), content)
    return out


def zip_entry(name: str) -> zipfile.ZipInfo:
    """Return a zip entry whose header depends only on its name."""
    entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    entry.compress_type = zipfile.ZIP_STORED
    entry.create_system = 0  # ZipInfo says 3 on Unix and 0 on Windows; the same on every OS
    entry.external_attr = 0
    return entry


# --- vbaProject.bin ------------------------------------------------------------------------------


def vba_project_bin(modules: list[VbaModule]) -> bytes:
    """Compile the modules into a vbaProject.bin with ms-ovba, in a scratch folder."""
    from ms_ovba.Views.project_ole_file import ProjectOleFile

    with tempfile.TemporaryDirectory() as scratch, _working_dir(Path(scratch)), _ms_ovba_fixes():
        project = _project(Path(scratch), modules)
        ProjectOleFile.write_file(project)
        return (Path(scratch) / "vbaProject.bin").read_bytes()


def _project(scratch: Path, modules: list[VbaModule]):
    """Return the ms-ovba project: the workbook's and the sheet's document modules, then ours."""
    from ms_ovba.Models.Entities.std_module import StdModule
    from ms_ovba.vbaProject import VbaProject

    project = VbaProject()
    project.project_id = PROJECT_ID
    for name, guid in (("Sheet1", "00020820-0000-0000-C000-000000000046"),
                       ("ThisWorkbook", "00020819-0000-0000-C000-000000000046")):
        project.add_module(_document_module(scratch, name, guid))
    for module in modules:
        source = scratch / f"{module.name}.bas"
        # ms-ovba compresses "<file>.new" as the module's stream: CRLF in the project's code page.
        (scratch / f"{module.name}.bas.new").write_bytes(module.code.replace("\n", "\r\n").encode(CODEPAGE))
        std = StdModule(module.name)
        std.add_file(str(source))
        project.add_module(std)
    for reference in _references():
        project.add_reference(reference)
    return project


def _document_module(scratch: Path, name: str, guid: str):
    """Return an empty document module from ms-ovba's blank sources, copied into the scratch folder."""
    import ms_ovba
    from ms_ovba.Models.Entities.doc_module import DocModule

    # ms-ovba appends to "<file>.new" beside its source, so work on a copy, never the package's own.
    source = shutil.copy(Path(ms_ovba.__file__).parent / "blank_files" / f"{name}.cls", scratch)
    module = DocModule(name)
    module.add_file(str(source))
    module.add_guid(uuid.UUID(guid))
    module.normalize_file()
    return module


def _references() -> list:
    """Return the references every Excel project has: OLE Automation and the Office library."""
    from ms_ovba.Models.Entities.reference import Reference
    from ms_ovba.Models.Entities.reference_registered import ReferenceRegistered
    from ms_ovba.Models.Fields.libid_reference import LibidReference

    stdole = LibidReference(uuid.UUID("00020430-0000-0000-C000-000000000046"), "2.0", "0",
                            "C:\\Windows\\System32\\stdole2.tlb", "OLE Automation")
    office = LibidReference(uuid.UUID("2DF8D04C-5BFA-101B-BDE5-00AA0044DE52"), "2.0", "0",
                            "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL",
                            "Microsoft Office 16.0 Object Library")
    return [Reference(ReferenceRegistered(stdole), "stdole"), Reference(ReferenceRegistered(office), "Office")]


@contextmanager
def _working_dir(path: Path) -> Iterator[None]:
    """Run the block in `path`: ms-ovba writes its intermediate streams to the working folder."""
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@contextmanager
def _ms_ovba_fixes() -> Iterator[None]:
    """Make ms-ovba's output depend on the sources only, and its compression correct, while building."""
    # ms-ovba-crypto draws random bytes to obfuscate the project's protection fields: seed them.
    # ms-ovba-compression 1.0.1 computes a copy token's maximum length as 0xFFFF << bits + 3
    # instead of (0xFFFF >> bits) + 3 (MS-OVBA 2.4.1.3.19.3), which corrupts a module with a long
    # repeat (a row of spaces or quotes): use the specification's value.
    from ms_ovba_compression.ms_ovba import MsOvba
    from ms_ovba_crypto import ms_ovba_crypto

    module_random, copytoken_help = ms_ovba_crypto.random, MsOvba.copytoken_help

    def correct_help(difference: int) -> dict:
        help = copytoken_help(difference)
        return {**help, "maxLength": (0xFFFF >> help["bitCount"]) + 3}

    ms_ovba_crypto.random, MsOvba.copytoken_help = random.Random(PROJECT_ID), staticmethod(correct_help)
    try:
        yield
    finally:
        ms_ovba_crypto.random, MsOvba.copytoken_help = module_random, staticmethod(copytoken_help)


# --- the package ---------------------------------------------------------------------------------


def package_parts(vba_project: bytes, custom_ui: bytes) -> list[tuple[str, bytes]]:
    """Return the add-in's parts in the order they are written."""
    return [
        ("[Content_Types].xml", CONTENT_TYPES.encode()),
        ("_rels/.rels", ROOT_RELS.encode()),
        ("customUI/customUI14.xml", custom_ui),
        ("xl/workbook.xml", WORKBOOK.encode()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.encode()),
        ("xl/worksheets/sheet1.xml", SHEET.encode()),
        ("xl/styles.xml", STYLES.encode()),
        ("xl/vbaProject.bin", vba_project),
    ]


XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

CONTENT_TYPES = XML_DECLARATION + f"""\
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>
<Override PartName="/xl/workbook.xml" ContentType="{MAIN_TYPE}"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""

ROOT_RELS = XML_DECLARATION + f"""\
<Relationships xmlns="{RELS_NS}">
<Relationship Id="rId1" Type="{OFFICE_DOCUMENT}" Target="xl/workbook.xml"/>
<Relationship Id="rId2" Type="{UI_RELATIONSHIP}" Target="customUI/customUI14.xml"/>
</Relationships>"""

# The code names tie the workbook and its sheet to the document modules in vbaProject.bin.
WORKBOOK = XML_DECLARATION + f"""\
<workbook xmlns="{SPREADSHEET_NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<workbookPr codeName="ThisWorkbook"/>
<bookViews><workbookView/></bookViews>
<sheets><sheet name="Planering" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""

WORKBOOK_RELS = XML_DECLARATION + f"""\
<Relationships xmlns="{RELS_NS}">
<Relationship Id="rId1" Type="{SHEET_RELATIONSHIP}" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{STYLES_RELATIONSHIP}" Target="styles.xml"/>
<Relationship Id="rId3" Type="{VBA_RELATIONSHIP}" Target="vbaProject.bin"/>
</Relationships>"""

SHEET = XML_DECLARATION + f"""\
<worksheet xmlns="{SPREADSHEET_NS}">
<sheetPr codeName="Sheet1"/>
<sheetData/>
</worksheet>"""

STYLES = XML_DECLARATION + f"""\
<styleSheet xmlns="{SPREADSHEET_NS}">
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
