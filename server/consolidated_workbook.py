"""The consolidated workbook: written with xlsxwriter from the figures, stored in versions.

A summary with subtotals and the result, the departments' states, the drill-down as an Excel
table (every line; at the university each department's lines summed per account), a native
chart and a hidden `_meta` sheet that the ribbon reads back when an approver approves this
version. Every figure is written as a value computed in `consolidation`, exact
to the öre, never as a formula, so the totals equal the stored lines; text users typed is
always written as text. Every version is stored; nothing is overwritten.
"""

from __future__ import annotations

import hashlib
import json
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import xlsxwriter
from python_calamine import CalamineError, CalamineWorkbook, WorksheetNotFound
from sqlalchemy import func
from sqlmodel import Session, select

from planround.models import (
    AccountGroup,
    ConsolidatedWorkbook,
    DepartmentStatus,
    OrgUnit,
    PlanningRound,
    Submission,
    utcnow,
)
from planround.server.errors import BadRequest, UnsupportedFile
from planround.server.organisation import departments_below

from planround.server.consolidation import (
    ZERO,
    ConsolidationData,
    LineRow,
    consolidation_data,
)
from planround.server.workflow import DepartmentState, department_states

FORMAT = "planround-consolidated"
FORMAT_VERSION = "1"
META_SHEET = "_meta"
LINES_TABLE = "ConsolidatedLines"
LOCAL_TIME = ZoneInfo("Europe/Stockholm")  # what the approvers' clocks show
MONEY_FORMAT = "#,##0.00"  # Excel shows it with the Swedish locale's separators: 1 234,50
WHOLE_FORMAT = "#,##0"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
A4 = 9

TEXTS: dict[str, dict[str, str]] = {
    "summary_sheet": {"sv": "Sammanställning", "en": "Summary"},
    "status_sheet": {"sv": "Status", "en": "Status"},
    "lines_sheet": {"sv": "Rader", "en": "Lines"},
    "chart_sheet": {"sv": "Diagram", "en": "Chart"},
    "title": {"sv": "Sammanställning {unit}", "en": "Consolidated {unit}"},
    "subtitle": {"sv": "{round} · budgetår {year} · version {version} · skapad {at}",
                 "en": "{round} · fiscal year {year} · version {version} · generated {at}"},
    "budget_source": {"sv": "Budget från {round}", "en": "Budget from {round}"},
    "no_budget": {"sv": "Ingen budgetomgång för {year} finns", "en": "No budget round for {year}"},
    "account": {"sv": "Konto", "en": "Account"},
    "account_name": {"sv": "Benämning", "en": "Name"},
    "total": {"sv": "Totalt", "en": "Total"},
    "actual": {"sv": "Utfall {year}", "en": "Actual {year}"},
    "budget": {"sv": "Budget {year}", "en": "Budget {year}"},
    "forecast": {"sv": "Prognos {year}", "en": "Forecast {year}"},
    "variance_actual": {"sv": "Avvikelse mot utfall", "en": "Variance against actual"},
    "variance_budget": {"sv": "Avvikelse mot budget", "en": "Variance against budget"},
    "subtotal": {"sv": "Summa {group}", "en": "Total {group}"},
    "costs": {"sv": "Summa kostnader", "en": "Total costs"},
    "result": {"sv": "Resultat (intäkter − kostnader)", "en": "Result (revenue − costs)"},
    "department": {"sv": "Avdelning", "en": "Department"},
    "name": {"sv": "Namn", "en": "Name"},
    "group": {"sv": "Grupp", "en": "Group"},
    "state": {"sv": "Status", "en": "State"},
    "version": {"sv": "Version", "en": "Version"},
    "changed_by": {"sv": "Ändrad av", "en": "Changed by"},
    "changed_at": {"sv": "Ändrad", "en": "Changed"},
    "reason": {"sv": "Avslagsorsak", "en": "Reason for rejection"},
    "unit": {"sv": "Enhet", "en": "Unit"},
    "unit_name": {"sv": "Enhetsnamn", "en": "Unit name"},
    "activity": {"sv": "Verksamhet", "en": "Activity"},
    "activity_name": {"sv": "Verksamhetsnamn", "en": "Activity name"},
    "all_activities": {"sv": "Alla verksamheter", "en": "All activities"},
    "line_account_name": {"sv": "Kontonamn", "en": "Account name"},
    "account_group": {"sv": "Kontogrupp", "en": "Account group"},
    "annual": {"sv": "Årsbelopp", "en": "Annual amount"},
    "comment": {"sv": "Kommentar", "en": "Comment"},
    "revenue_series": {"sv": "Intäkter {label}", "en": "Revenue {label}"},
    "cost_series": {"sv": "Kostnader {label}", "en": "Costs {label}"},
    "chart_title": {"sv": "{figure} mot {actual}", "en": "{figure} against {actual}"},
    "amount_axis": {"sv": "Kronor", "en": "SEK"},
    "footer": {"sv": "&LSkapad {at}&CSida &P av &N&R{unit}", "en": "&LGenerated {at}&CPage &P of &N&R{unit}"},
}
GROUP_LABELS: dict[AccountGroup, dict[str, str]] = {
    AccountGroup.revenue: {"sv": "Intäkter", "en": "Revenue"},
    AccountGroup.personnel: {"sv": "Personalkostnader", "en": "Personnel costs"},
    AccountGroup.premises: {"sv": "Lokalkostnader", "en": "Premises costs"},
    AccountGroup.operating: {"sv": "Övriga driftkostnader", "en": "Other operating costs"},
    AccountGroup.depreciation: {"sv": "Avskrivningar", "en": "Depreciation"},
    AccountGroup.financial: {"sv": "Finansiella kostnader", "en": "Financial costs"},
}
MONTH_LABELS = {
    "sv": ("Jan", "Feb", "Mar", "Apr", "Maj", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dec"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def text(key: str, lang: str, **params) -> str:
    """Return a workbook text in `lang` (Swedish unless English), filled with `params`."""
    texts = TEXTS[key]
    return (texts.get(lang) or texts["sv"]).format(**params)


# --- the summary's rows -----------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    """One row of the summary sheet: its kind, account code, label and values left to right."""

    kind: str  # group, account, subtotal, costs, result
    code: str
    label: str
    values: tuple[Decimal, ...]


def group_label(group: AccountGroup, lang: str) -> str:
    """Return the account group's name as the reports show it."""
    labels = GROUP_LABELS[group]
    return labels.get(lang) or labels["sv"]


def figure_label(data: ConsolidationData, lang: str) -> str:
    """Return what the round's own figures are called: the budget or the forecast of the year."""
    return text("forecast" if data.is_forecast else "budget", lang, year=data.fiscal_year)


def value_headers(data: ConsolidationData, lang: str) -> list[str]:
    """Return the headers of the value columns: one per column, total, actual, budget, variance."""
    headers = [f"{c.code}\n{c.label(lang)}" for c in data.columns]
    headers += [f"{text('total', lang)}\n{figure_label(data, lang)}",
                text("actual", lang, year=data.fiscal_year - 1)]
    if data.is_forecast:
        headers.append(text("budget", lang, year=data.fiscal_year))
    headers.append(text("variance_budget" if data.is_forecast else "variance_actual", lang))
    return headers


def total_of(data: ConsolidationData, which: str, account: str) -> Decimal:
    """Return an account's sum over every department of the unit."""
    return sum((data.by_department.cell(which, d.code, account) for d in data.departments), ZERO)


def account_values(data: ConsolidationData, account: str) -> tuple[Decimal, ...]:
    """Return an account's values: per column, total, last year's actual, budget, variance."""
    cells = [data.by_column.cell("figure", c.code, account) for c in data.columns]
    total, actual = sum(cells, ZERO), total_of(data, "actual", account)
    if data.is_forecast:
        budget = total_of(data, "budget", account)
        return (*cells, total, actual, budget, total - budget)
    return (*cells, total, actual, total - actual)


def add_up(vectors: list[tuple[Decimal, ...]], width: int) -> tuple[Decimal, ...]:
    """Return the element-wise sum of rows of values."""
    return tuple(sum((v[i] for v in vectors), ZERO) for i in range(width))


def summary_rows(data: ConsolidationData, lang: str = "sv") -> list[SummaryRow]:
    """Return the summary's rows: each group's accounts and subtotal, total costs, the result."""
    width = len(data.columns) + (4 if data.is_forecast else 3)
    rows: list[SummaryRow] = []
    subtotals: dict[AccountGroup, tuple[Decimal, ...]] = {}
    for group in AccountGroup:
        label = group_label(group, lang)
        accounts = [SummaryRow("account", a.code, a.label(lang), account_values(data, a.code))
                    for a in data.accounts if a.group == group]
        subtotals[group] = add_up([a.values for a in accounts], width)
        rows += [SummaryRow("group", "", label, ()), *accounts,
                 SummaryRow("subtotal", "", text("subtotal", lang, group=label.lower()), subtotals[group])]
    costs = add_up([v for g, v in subtotals.items() if not g.is_revenue], width)
    result = tuple(r - c for r, c in zip(subtotals[AccountGroup.revenue], costs))
    rows += [SummaryRow("costs", "", text("costs", lang), costs),
             SummaryRow("result", "", text("result", lang), result)]
    return rows


def chart_values(data: ConsolidationData, code: str) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Return a column's revenue and costs: the round's figure and last year's actual of each."""
    def total(which: str, revenue: bool) -> Decimal:
        """Sum the column's revenue or cost accounts."""
        return sum((data.by_column.cell(which, code, a.code) for a in data.accounts
                    if a.group.is_revenue == revenue), ZERO)
    return total("figure", True), total("actual", True), total("figure", False), total("actual", False)


# --- rendering --------------------------------------------------------------------------------


@dataclass
class _Render:
    """What every sheet writer needs: the data, the version, the time, the language, styles."""

    data: ConsolidationData
    version: int
    generated_at: datetime
    lang: str
    styles: dict

    def t(self, key: str, **params) -> str:
        """Return a workbook text in the workbook's language."""
        return text(key, self.lang, **params)

    @property
    def stamp(self) -> str:
        """Return the generation time as the approvers read it."""
        return local_time(self.generated_at).strftime("%Y-%m-%d %H:%M")


def local_time(moment: datetime) -> datetime:
    """Return a stored (UTC) time as Swedish local time, naive, as Excel keeps times."""
    if moment.tzinfo is None:  # SQLite gives back naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_TIME).replace(tzinfo=None)


def render_consolidated(data: ConsolidationData, *, statuses: list[DepartmentState], version: int,
                        generated_at: datetime, lang: str = "sv") -> bytes:
    """Render the consolidated workbook of `data` as xlsx bytes."""
    buffer = io.BytesIO()
    book = open_book(buffer, title=text("title", lang, unit=data.unit_name), generated_at=generated_at)
    ctx = _Render(data, version, generated_at, lang, make_styles(book))
    write_summary(book, ctx)
    write_status(book, ctx, statuses)
    write_lines(book, ctx)
    write_chart(book, ctx)
    write_meta(book, ctx)
    book.close()
    return buffer.getvalue()


def open_book(buffer: io.BytesIO, *, title: str, generated_at: datetime):
    """Return a new in-memory workbook that never turns text into formulas, URLs or numbers."""
    # Belt and braces: text is written with write_string anyway, never parsed as a formula.
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    created = generated_at.astimezone(timezone.utc).replace(tzinfo=None)
    book.set_properties({"title": title, "created": created})
    return book


def make_styles(book) -> dict:
    """Return the cell formats the sheets share."""
    header = {"bold": True, "bg_color": "#DCE6F1", "bottom": 1, "text_wrap": True, "valign": "top"}
    return {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "header": book.add_format(header),
        "header_number": book.add_format({**header, "align": "right"}),
        "group": book.add_format({"bold": True, "italic": True}),
        "money": book.add_format({"num_format": MONEY_FORMAT}),
        "subtotal": book.add_format({"num_format": MONEY_FORMAT, "bold": True, "top": 1}),
        "subtotal_text": book.add_format({"bold": True, "top": 1}),
        "result": book.add_format({"num_format": MONEY_FORMAT, "bold": True, "top": 1, "bottom": 6}),
        "result_text": book.add_format({"bold": True, "top": 1, "bottom": 6}),
        "whole": book.add_format({"num_format": WHOLE_FORMAT}),
        "time": book.add_format({"num_format": TIME_FORMAT, "align": "left"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
    }


def print_setup(sheet, ctx: _Render, header_row: int) -> None:
    """Print landscape on A4, one page wide, with the header rows on every page."""
    page_setup(sheet, header_row, unit_code=ctx.data.unit_code, stamp=ctx.stamp, lang=ctx.lang)


def page_setup(sheet, header_row: int, *, unit_code: str, stamp: str, lang: str) -> None:
    """Print landscape on A4, one page wide, the header row on every page, a footer of the unit."""
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)
    unit = unit_code.replace("&", "&&")  # & starts a header/footer control code
    sheet.set_footer(text("footer", lang, at=stamp, unit=unit))


def put_text(sheet, row: int, col: int, value: str | None, style=None) -> None:
    """Write text as a string cell, never as a formula, whatever it starts with."""
    if value is None or value == "":
        sheet.write_blank(row, col, None, style)
    else:
        sheet.write_string(row, col, value, style)


def put_money(sheet, row: int, col: int, amount: Decimal, style) -> None:
    """Write an amount: a float only here, at the boundary; two decimals are exact in a double."""
    sheet.write_number(row, col, float(amount), style)


SUMMARY_HEADER_ROW = 3
ROW_STYLES = {"account": ("money", None), "subtotal": ("subtotal", "subtotal_text"),
              "costs": ("subtotal", "subtotal_text"), "result": ("result", "result_text")}


def write_summary(book, ctx: _Render) -> None:
    """Write the summary: accounts by group with subtotals and the result, then the columns."""
    data, s = ctx.data, ctx.styles
    sheet = book.add_worksheet(ctx.t("summary_sheet"))
    put_text(sheet, 0, 0, ctx.t("title", unit=f"{data.unit_code} {data.unit_name}"), s["title"])
    put_text(sheet, 1, 0, ctx.t("subtitle", round=data.round_name, year=data.fiscal_year,
                                version=ctx.version, at=ctx.stamp))
    if data.is_forecast:
        source = (ctx.t("budget_source", round=data.budget_round_code) if data.budget_round_code
                  else ctx.t("no_budget", year=data.fiscal_year))
        put_text(sheet, 2, 0, source)
    headers = [ctx.t("account"), ctx.t("account_name"), *value_headers(data, ctx.lang)]
    for col, header in enumerate(headers):
        put_text(sheet, SUMMARY_HEADER_ROW, col, header, s["header" if col < 2 else "header_number"])
    for offset, row in enumerate(summary_rows(data, ctx.lang), start=SUMMARY_HEADER_ROW + 1):
        write_summary_row(sheet, ctx, offset, row)
    sheet.set_row(SUMMARY_HEADER_ROW, 45)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 34)
    sheet.set_column(2, len(headers) - 1, 17)
    sheet.freeze_panes(SUMMARY_HEADER_ROW + 1, 2)
    print_setup(sheet, ctx, SUMMARY_HEADER_ROW)
    sheet.activate()


def write_summary_row(sheet, ctx: _Render, row: int, summary: SummaryRow) -> None:
    """Write one summary row: code and label, then its values."""
    s = ctx.styles
    if summary.kind == "group":
        put_text(sheet, row, 0, summary.label, s["group"])
        return
    number_style, text_style = ROW_STYLES[summary.kind]
    put_text(sheet, row, 0, summary.code, s[text_style] if text_style else None)
    put_text(sheet, row, 1, summary.label, s[text_style] if text_style else None)
    for col, amount in enumerate(summary.values, start=2):
        put_money(sheet, row, col, amount, s[number_style])


def write_status(book, ctx: _Render, statuses: list[DepartmentState]) -> None:
    """Write every department's state: who moved it there, when, and why it was rejected."""
    s = ctx.styles
    sheet = book.add_worksheet(ctx.t("status_sheet"))
    keys = ("department", "name", "group", "state", "version", "changed_by", "changed_at", "reason")
    for col, key in enumerate(keys):
        put_text(sheet, 0, col, ctx.t(key), s["header"])
    versions = {d.code: d.submission_version for d in ctx.data.departments}
    for row, status in enumerate(statuses, start=1):
        for col, value in enumerate((status.unit_code, status.unit_name, status.parent_code,
                                     status.label(ctx.lang))):
            put_text(sheet, row, col, value)
        if versions.get(status.unit_code) is not None:
            sheet.write_number(row, 4, versions[status.unit_code])
        put_text(sheet, row, 5, status.changed_by)
        if status.changed_at is not None:
            sheet.write_datetime(row, 6, local_time(status.changed_at), s["time"])
        put_text(sheet, row, 7, status.rejection_reason, s["wrap"])
    sheet.autofilter(0, 0, max(len(statuses), 1), len(keys) - 1)
    for col, width in enumerate((11, 34, 10, 32, 9, 24, 17, 50)):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    print_setup(sheet, ctx, 0)


def line_headers(lang: str) -> list[str]:
    """Return the drill-down table's headers."""
    first = [text(k, lang) for k in ("unit", "unit_name", "activity", "activity_name", "account",
                                      "line_account_name", "account_group", "annual")]
    return [*first, *MONTH_LABELS.get(lang, MONTH_LABELS["sv"]), text("comment", lang),
            text("version", lang)]


def write_lines(book, ctx: _Render) -> None:
    """Write the drill-down as an Excel table with filters, row by row as it is read."""
    s = ctx.styles
    sheet = book.add_worksheet(ctx.t("lines_sheet"))
    headers = line_headers(ctx.lang)
    count = 0
    for count, line in enumerate(ctx.data.lines, start=1):
        write_line(sheet, ctx, count, line)
    columns = [{"header": h, **({"format": s["money"]} if 7 <= i <= 19 else {})}
               for i, h in enumerate(headers)]
    # A table needs a data row; an empty unit gets one blank row.
    sheet.add_table(0, 0, max(count, 1), len(headers) - 1,
                    {"name": LINES_TABLE, "columns": columns, "style": "Table Style Light 9"})
    for col, width in enumerate((9, 30, 11, 28, 9, 28, 20, 15, *[13] * 12, 40, 8)):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    print_setup(sheet, ctx, 0)


def write_line(sheet, ctx: _Render, row: int, line: LineRow) -> None:
    """Write one drill-down row: a line, or (no activity) a department's lines of an account summed."""
    activity_name = line.activity_name if line.activity_code is not None else ctx.t("all_activities")
    for col, value in enumerate((line.unit_code, line.unit_name, line.activity_code, activity_name,
                                 line.account_code, line.account_name,
                                 group_label(line.account_group, ctx.lang))):
        put_text(sheet, row, col, value)
    money = ctx.styles["money"]
    for col, amount in enumerate((line.annual, *line.months), start=7):
        put_money(sheet, row, col, amount, money)
    put_text(sheet, row, 20, line.comment)
    sheet.write_number(row, 21, line.submission_version)


def write_chart(book, ctx: _Render) -> None:
    """Write the figures and last year's actual per column and a column chart of them."""
    data, s = ctx.data, ctx.styles
    name = ctx.t("chart_sheet")
    sheet = book.add_worksheet(name)
    figure, actual = figure_label(data, ctx.lang), ctx.t("actual", year=data.fiscal_year - 1)
    series = [(key, label[:1].lower() + label[1:]) for key in ("revenue_series", "cost_series")
              for label in (figure, actual)]
    headers = [ctx.t("unit"), *(ctx.t(key, label=label) for key, label in series)]
    for col, header in enumerate(headers):
        put_text(sheet, 0, col, header, s["header"])
    for row, column in enumerate(data.columns, start=1):
        put_text(sheet, row, 0, column.code)
        for col, amount in enumerate(chart_values(data, column.code), start=1):
            put_money(sheet, row, col, amount, s["money"])
    last = max(len(data.columns), 1)
    chart = book.add_chart({"type": "column"})
    for col in range(1, 5):
        chart.add_series({"name": [name, 0, col], "categories": [name, 1, 0, last, 0],
                          "values": [name, 1, col, last, col]})
    chart.set_title({"name": ctx.t("chart_title", figure=figure, actual=actual[:1].lower() + actual[1:])})
    chart.set_y_axis({"num_format": WHOLE_FORMAT, "name": ctx.t("amount_axis")})
    chart.set_size({"width": max(760, 90 * len(data.columns)), "height": 420})
    sheet.insert_chart(1, 6, chart)
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, 4, 20)
    sheet.freeze_panes(1, 0)
    print_setup(sheet, ctx, 0)


def write_meta(book, ctx: _Render) -> None:
    """Write the hidden key/value sheet the ribbon reads this workbook's identity from."""
    write_meta_sheet(book, meta_values(ctx))


def write_meta_sheet(book, values: dict[str, str]) -> None:
    """Write keys and text values to a hidden `_meta` sheet."""
    sheet = book.add_worksheet(META_SHEET)
    for row, (key, value) in enumerate(values.items()):
        sheet.write_string(row, 0, key)
        sheet.write_string(row, 1, value)
    sheet.hide()


def meta_values(ctx: _Render) -> dict[str, str]:
    """Return what identifies this workbook, all as text."""
    data = ctx.data
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "round": data.round_code,
        "unit": data.unit_code, "version": str(ctx.version), "kind": data.kind.value,
        "fiscal_year": str(data.fiscal_year), "budget_round": data.budget_round_code or "",
        "generated_at": ctx.generated_at.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "lang": ctx.lang,
    }


def read_consolidated_meta(content: bytes) -> dict[str, str]:
    """Read the hidden `_meta` sheet of a consolidated workbook as text keys and values."""
    try:
        rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_name(META_SHEET).to_python()
    except WorksheetNotFound:
        raise BadRequest("not_consolidated_workbook") from None
    except CalamineError as error:
        raise UnsupportedFile("not_xlsx", detail=str(error)) from None
    meta = {str(row[0]): _meta_text(row[1]) for row in rows if len(row) >= 2 and row[0] != ""}
    if meta.get("format") != FORMAT:
        raise BadRequest("not_consolidated_workbook")
    return meta


def _meta_text(value) -> str:
    """Return a meta value as text, should Excel have turned a number-looking one into a number."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- storing versions -------------------------------------------------------------------------


def latest_consolidated(session: Session, *, planning_round: PlanningRound,
                        unit: OrgUnit) -> ConsolidatedWorkbook | None:
    """Return the newest stored consolidated workbook of the unit in the round, if any."""
    return session.exec(
        select(ConsolidatedWorkbook)
        .where(ConsolidatedWorkbook.round_id == planning_round.id, ConsolidatedWorkbook.unit_id == unit.id)
        .order_by(ConsolidatedWorkbook.version.desc())
    ).first()


def stored_version(session: Session, *, planning_round: PlanningRound, unit: OrgUnit,
                   version: int) -> ConsolidatedWorkbook | None:
    """Return one stored version of the unit's workbook in the round, if it exists."""
    return session.exec(
        select(ConsolidatedWorkbook)
        .where(ConsolidatedWorkbook.round_id == planning_round.id, ConsolidatedWorkbook.unit_id == unit.id,
               ConsolidatedWorkbook.version == version)
    ).first()


def next_version(session: Session, *, planning_round: PlanningRound, unit: OrgUnit) -> int:
    """Return the next version; the unique constraint guards against a concurrent twin."""
    highest = session.exec(
        select(func.max(ConsolidatedWorkbook.version))
        .where(ConsolidatedWorkbook.round_id == planning_round.id, ConsolidatedWorkbook.unit_id == unit.id)
    ).one()
    return (highest or 0) + 1


def regenerate(session: Session, *, planning_round: PlanningRound, unit: OrgUnit,
               statuses: list[DepartmentState] | None = None) -> ConsolidatedWorkbook:
    """Render the unit's workbook afresh and add it as the next version; the caller commits."""
    if statuses is None:
        statuses = department_states(session, planning_round=planning_round, unit=unit)
    basis = current_basis(session, planning_round=planning_round, unit=unit)
    data = consolidation_data(session, planning_round=planning_round, unit=unit)
    version = next_version(session, planning_round=planning_round, unit=unit)
    generated_at = utcnow()
    content = render_consolidated(data, statuses=statuses, version=version, generated_at=generated_at)
    workbook = ConsolidatedWorkbook(round_id=planning_round.id, unit_id=unit.id, version=version,
                                    checksum=hashlib.sha256(content).hexdigest(), content=content,
                                    basis=basis, created_at=generated_at)
    session.add(workbook)
    session.flush()
    return workbook


def current_basis(session: Session, *, planning_round: PlanningRound, unit: OrgUnit) -> str:
    """Return a fingerprint of what the unit's workbook shows: each department's state and latest version.

    Every step of the climb bumps a department's status revision and every submission gets a
    new id, so the fingerprint changes exactly when the workbook would.
    """
    departments = [d.id for d in departments_below(session, unit)]
    revisions = session.exec(
        select(DepartmentStatus.unit_id, DepartmentStatus.revision)
        .where(DepartmentStatus.round_id == planning_round.id, DepartmentStatus.unit_id.in_(departments))).all()
    latest = session.exec(
        select(Submission.unit_id, func.max(Submission.id))
        .where(Submission.round_id == planning_round.id, Submission.unit_id.in_(departments))
        .group_by(Submission.unit_id)).all()
    payload = json.dumps([planning_round.id, unit.id, sorted(map(tuple, revisions)), sorted(map(tuple, latest))])
    return hashlib.sha256(payload.encode()).hexdigest()


def current_consolidated(session: Session, *, planning_round: PlanningRound,
                         unit: OrgUnit) -> ConsolidatedWorkbook:
    """Return the unit's workbook as things stand: the latest version, or a new one if it is out of date.

    Made when asked for rather than after every step, so a busy day of approvals does not
    render the university's workbook hundreds of times; the caller commits a new version.
    """
    latest = latest_consolidated(session, planning_round=planning_round, unit=unit)
    if latest is not None and latest.basis == current_basis(session, planning_round=planning_round, unit=unit):
        return latest
    return regenerate(session, planning_round=planning_round, unit=unit)


def is_current(session: Session, workbook: ConsolidatedWorkbook, *, planning_round: PlanningRound,
               unit: OrgUnit) -> bool:
    """Tell whether a stored workbook still shows what the unit's departments stand at now."""
    return workbook.basis == current_basis(session, planning_round=planning_round, unit=unit)
