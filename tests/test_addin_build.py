"""The add-in file: built reproducibly from the committed sources, read back by independent tools."""

from __future__ import annotations

import inspect
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from planround.addin import build, ribbon
from planround.addin.port import Excel
from planround.server.cli import main

CUSTOMUI_NS = "http://schemas.microsoft.com/office/2009/07/customui"
# From the 2009/07 customUI schema: the elements and attributes this ribbon uses, each valid where it is.
ALLOWED = {
    "customUI": set(),
    "ribbon": set(),
    "tabs": set(),
    "tab": {"id", "tag", "getLabel", "label"},
    "group": {"id", "tag", "getLabel", "label"},
    "separator": {"id"},
    "button": {"id", "tag", "label", "getLabel", "imageMso", "size", "onAction", "screentip", "supertip",
               "getSupertip"},
}
CHILDREN = {"customUI": {"ribbon"}, "ribbon": {"tabs"}, "tabs": {"tab"}, "tab": {"group"},
            "group": {"button", "separator"}, "button": set(), "separator": set()}
PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"


@pytest.fixture(scope="module")
def xlam(tmp_path_factory) -> Path:
    return build.build_addin(tmp_path_factory.mktemp("dist") / "planround.xlam")


def test_two_builds_give_the_same_bytes(xlam, tmp_path):
    again = build.build_addin(tmp_path / "again" / "planround.xlam")
    assert again.read_bytes() == xlam.read_bytes()


def test_every_zip_entry_has_a_fixed_time_and_the_parts_come_in_a_fixed_order(xlam):
    with zipfile.ZipFile(xlam) as package:
        entries = package.infolist()
    assert [e.filename for e in entries] == [name for name, _ in build.package_parts(b"", b"")]
    assert {e.date_time for e in entries} == {(1980, 1, 1, 0, 0, 0)}


def normalised(code: str) -> str:
    """Return VBA code without Attribute lines, with LF line ends and no trailing blank lines."""
    lines = code.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines if not line.startswith("Attribute ")).strip("\n")


def test_olevba_reads_back_exactly_the_committed_vba(xlam):
    olevba = pytest.importorskip("oletools.olevba")
    parser = olevba.VBA_Parser(str(xlam))
    try:
        read = {Path(vba_name).stem: normalised(code) for _, _, vba_name, code in parser.extract_macros()}
    finally:
        parser.close()
    committed = {path.stem: normalised(path.read_text(encoding="utf-8")) for path in build.VBA_DIR.glob("*.bas")}
    assert read == {**committed, "Sheet1": "", "ThisWorkbook": ""}


def test_the_vba_passes_the_button_id_and_excels_language_to_the_one_python_entry_point():
    code = (build.VBA_DIR / "PlanroundRibbon.bas").read_text(encoding="utf-8")
    assert "import planround.addin.ribbon as r; r.on_action('{id}', {language})" in code
    assert code.count("Application.Run ") == 1


def ribbon_tree() -> ET.Element:
    return ET.parse(build.RIBBON_XML).getroot()


def test_the_ribbon_uses_only_elements_and_attributes_of_the_customui_schema():
    root = ribbon_tree()
    assert root.tag == f"{{{CUSTOMUI_NS}}}customUI"
    for element in root.iter():
        namespace, _, name = element.tag[1:].partition("}")
        assert namespace == CUSTOMUI_NS and name in ALLOWED, element.tag
        assert set(element.attrib) <= ALLOWED[name], (name, set(element.attrib) - ALLOWED[name])
        assert {child.tag.split("}")[1] for child in element} <= CHILDREN[name], name


def test_every_label_is_in_swedish_and_english_and_every_button_runs_the_one_callback():
    root = ribbon_tree()
    for element in root.iter():
        if "getLabel" in element.attrib:
            swedish, english, *tips = element.attrib["tag"].split("|")
            assert swedish and english and len(tips) in (0, 2), element.attrib["id"]
    buttons = root.iter(f"{{{CUSTOMUI_NS}}}button")
    assert {b.attrib["onAction"] for b in buttons} == {"OnAction"}


def test_every_button_has_an_action_and_every_action_a_button():
    ids = {b.attrib["id"] for b in ribbon_tree().iter(f"{{{CUSTOMUI_NS}}}button")}
    assert ids == set(ribbon.ACTIONS)
    labels = {b.attrib["tag"].split("|")[0] for b in ribbon_tree().iter(f"{{{CUSTOMUI_NS}}}button")}
    assert labels == {"Mina uppgifter", "Hämta mall", "Kontrollera", "Spara till servern", "Klarmarkera",
                      "Återkalla", "Godkänn", "Avslå", "Status", "Sammanställning", "Inställningar"}


def test_the_addin_is_an_xlam_with_the_vba_project_and_the_ribbon_related_from_the_root(xlam):
    with zipfile.ZipFile(xlam) as package:
        types = ET.fromstring(package.read("[Content_Types].xml"))
        root_rels = ET.fromstring(package.read("_rels/.rels"))
        book_rels = ET.fromstring(package.read("xl/_rels/workbook.xml.rels"))
        ET.fromstring(package.read("customUI/customUI14.xml"))
        assert package.read("xl/vbaProject.bin")[:8] == bytes.fromhex("D0CF11E0A1B11AE1")  # a compound file
    overrides = {o.attrib["PartName"]: o.attrib["ContentType"] for o in types.iter(f"{CONTENT_TYPES}Override")}
    defaults = {d.attrib["Extension"]: d.attrib["ContentType"] for d in types.iter(f"{CONTENT_TYPES}Default")}
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert defaults["bin"] == "application/vnd.ms-office.vbaProject"
    relations = {r.attrib["Type"]: r.attrib["Target"] for r in root_rels.iter(f"{PACKAGE_RELS}Relationship")}
    assert relations["http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"] == \
        "customUI/customUI14.xml"
    book = {r.attrib["Type"]: r.attrib["Target"] for r in book_rels.iter(f"{PACKAGE_RELS}Relationship")}
    assert book["http://schemas.microsoft.com/office/2006/relationships/vbaProject"] == "vbaProject.bin"


def test_the_command_line_builds_the_addin_where_it_is_told(xlam, tmp_path):
    out = tmp_path / "dist" / "planround.xlam"
    result = CliRunner().invoke(main, ["addin", "build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == xlam.read_bytes()
    assert str(out) in result.output


def test_a_vba_module_with_a_character_outside_the_code_page_is_refused_by_name(tmp_path):
    (tmp_path / "Broken.bas").write_text('Attribute VB_Name = "Broken"\n\' \u2603\n', encoding="utf-8")
    with pytest.raises(build.BuildError, match="Broken.bas"):
        build.vba_modules(tmp_path)


def test_the_xlwings_layer_implements_the_whole_excel_interface():
    excel = pytest.importorskip("planround.addin.excel")
    wanted = {name for name, _ in inspect.getmembers(Excel, inspect.isfunction) if not name.startswith("_")}
    for name in wanted:
        implemented = getattr(excel.XlwingsExcel, name)
        assert inspect.signature(implemented).parameters.keys() == \
            inspect.signature(getattr(Excel, name)).parameters.keys(), name
    assert re.search(r"^import xlwings", inspect.getsource(excel), re.M)


def test_a_module_with_long_repeats_survives_the_compression(tmp_path):
    olevba = pytest.importorskip("oletools.olevba")
    body = "\n".join(f"' {'=' * (20 + n % 70)}{' ' * (n % 40)}x{n}" for n in range(300))
    code = f'Attribute VB_Name = "Long"\nOption Explicit\n{body}\n'
    (tmp_path / "Long.bas").write_text(code, encoding="utf-8")
    xlam = build.build_addin(tmp_path / "long.xlam", vba_dir=tmp_path)
    parser = olevba.VBA_Parser(str(xlam))
    try:
        read = {Path(name).stem: text for _, _, name, text in parser.extract_macros()}
    finally:
        parser.close()
    assert normalised(read["Long"]) == normalised(code)
