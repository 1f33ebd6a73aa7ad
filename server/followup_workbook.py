"""The follow-up workbook: actual against budget and forecast, written with xlsxwriter.

Three sheets and a hidden `_meta`: "Uppföljning" (account groups, to date and full year, with
variances in kronor and percent, and a chart of the cumulative result), "Per månad" (actual,
budget and forecast month by month) and "Per verksamhet" (the to-date figures by activity, or
by the units right below). Every figure is a value computed in `followup`, never a formula.
Variances are actual minus budget; a percentage is of the budget's size and stays empty
where the budget is 0. The workbook is made afresh on every request and not stored.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from itertools import accumulate

from sqlmodel import Session

from planround.models import AccountGroup, OrgUnit, PlanningRound, UnitKind, utcnow
from planround.server.consolidated_workbook import (
    MONTH_LABELS,
    WHOLE_FORMAT,
    add_up,
    group_label,
    local_time,
    make_styles,
    open_book,
    page_setup,
    put_money,
    put_text,
    text,
    write_meta_sheet,
)
from planround.server.followup import ZERO, Figures, FollowupData, figures_for, followup_data, total_of

FORMAT = "planround-followup"
FORMAT_VERSION = "1"
PERCENT_FORMAT = "0.0%"
TO_DATE = ("actual", "budget_to_date", "variance", "variance_pct")
FULL_YEAR = ("budget", "forecast", "estimate", "year_variance", "year_variance_pct")
HEADER_ROW = 4  # on "Uppföljning"; the row above names the two blocks
TABLE_ROW = 3  # the header row of "Per månad" and "Per verksamhet"

TEXTS: dict[str, dict[str, str]] = {
    "followup_sheet": {"sv": "Uppföljning", "en": "Follow-up"},
    "month_sheet": {"sv": "Per månad", "en": "By month"},
    "column_sheet": {"sv": "Per verksamhet", "en": "By activity"},
    "followup_title": {"sv": "Uppföljning {unit}", "en": "Follow-up {unit}"},
    "followup_subtitle": {"sv": "{round} · budgetår {year} · utfall t.o.m. {through} · skapad {at}",
                          "en": "{round} · fiscal year {year} · actuals through {through} · generated {at}"},
    "no_months": {"sv": "inga bokförda månader", "en": "no months booked"},
    "sources": {"sv": "Budget: {budget} · Prognos: {forecast}", "en": "Budget: {budget} · Forecast: {forecast}"},
    "no_round": {"sv": "ingen omgång för {year}", "en": "no round for {year}"},
    "to_date": {"sv": "Hittills t.o.m. {through}", "en": "To date through {through}"},
    "to_date_none": {"sv": "Hittills (inga bokförda månader)", "en": "To date (no months booked)"},
    "full_year": {"sv": "Helår {year}", "en": "Full year {year}"},
    "actual": {"sv": "Utfall", "en": "Actual"},
    "budget_to_date": {"sv": "Budget", "en": "Budget"},
    "variance": {"sv": "Avvikelse kr", "en": "Variance SEK"},
    "variance_pct": {"sv": "Avvikelse %", "en": "Variance %"},
    "year_variance": {"sv": "Avvikelse kr", "en": "Variance SEK"},
    "year_variance_pct": {"sv": "Avvikelse %", "en": "Variance %"},
    "budget": {"sv": "Budget", "en": "Budget"},
    "forecast": {"sv": "Prognos", "en": "Forecast"},
    "estimate_forecast": {"sv": "Utfall + återstående prognos", "en": "Actual + remaining forecast"},
    "estimate_budget": {"sv": "Utfall + återstående budget", "en": "Actual + remaining budget"},
    "note": {"sv": "Avvikelse = utfall − budget; i procent av budgetens belopp, tom där budgeten är 0.",
             "en": "Variance = actual − budget; in percent of the budget's amount, empty where the budget is 0."},
    "what": {"sv": "Avser", "en": "Figure"},
    "cumulative": {"sv": "Ackumulerat resultat", "en": "Cumulative result"},
    "chart_title": {"sv": "Ackumulerat resultat {year}: utfall mot budget",
                    "en": "Cumulative result {year}: actual against budget"},
}


def t(key: str, lang: str, **params) -> str:
    """Return a follow-up text in `lang`, or the consolidated workbook's text of that key."""
    if key not in TEXTS:
        return text(key, lang, **params)
    return (TEXTS[key].get(lang) or TEXTS[key]["sv"]).format(**params)


# --- the rows ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowupRow:
    """One row of a figures table: its kind (group, costs, result), label and figures."""

    kind: str
    label: str
    figures: Figures


def followup_rows(data: FollowupData, lang: str, column: str | None = None) -> list[FollowupRow]:
    """Return each account group's row, total costs and the result, in a column or in all."""
    groups = {group: figures_for(data, group, column) for group in AccountGroup}
    costs = total_of([f for group, f in groups.items() if not group.is_revenue])
    return [*(FollowupRow("group", group_label(g, lang), f) for g, f in groups.items()),
            FollowupRow("costs", t("costs", lang), costs),
            FollowupRow("result", t("result", lang), groups[AccountGroup.revenue].plus(costs, -1))]


def month_rows(months_of) -> list[tuple[Decimal | None, ...]]:
    """Return twelve months per account group, then total costs and the result, from `months_of`."""
    groups = [months_of(group) for group in AccountGroup]
    costs = add_up(groups[1:], 12)  # every group after revenue is a cost
    result = tuple(r - c for r, c in zip(groups[0], costs))
    return [*groups, costs, result]


def measures(data: FollowupData) -> list[tuple[str, list[tuple[Decimal | None, ...]]]]:
    """Return the monthly rows of the actual (empty after the cut-off), the budget and the forecast."""
    cut = data.through
    actual = [(*months[:cut], *[None] * (12 - cut)) for months in month_rows(data.actual.months)]
    found = [("actual", actual), ("budget", month_rows(data.budget.months))]
    if data.forecast is not None:
        found.append(("forecast", month_rows(data.forecast.months)))
    return found


# --- rendering --------------------------------------------------------------------------------


@dataclass
class _Render:
    """What every sheet writer needs: the data, the time, the language and the styles."""

    data: FollowupData
    generated_at: datetime
    lang: str
    styles: dict

    def t(self, key: str, **params) -> str:
        """Return a workbook text in the workbook's language."""
        return t(key, self.lang, **params)

    @property
    def through_label(self) -> str:
        """Return the cut-off month as the headers show it: 'Mar 2027'."""
        if not self.data.through:
            return self.t("no_months")
        return f"{MONTH_LABELS.get(self.lang, MONTH_LABELS['sv'])[self.data.through - 1]} {self.data.fiscal_year}"

    @property
    def stamp(self) -> str:
        """Return the generation time as the readers' clocks show it."""
        return local_time(self.generated_at).strftime("%Y-%m-%d %H:%M")

    def page(self, sheet, header_row: int) -> None:
        """Print the sheet landscape, one page wide, with the unit and the time in the footer."""
        page_setup(sheet, header_row, unit_code=self.data.unit_code, stamp=self.stamp, lang=self.lang)

    def heading(self, sheet) -> None:
        """Write the title and the subtitle at the top of a sheet."""
        data = self.data
        put_text(sheet, 0, 0, self.t("followup_title", unit=f"{data.unit_code} {data.unit_name}"),
                 self.styles["title"])
        put_text(sheet, 1, 0, self.t("followup_subtitle", round=data.round_name, year=data.fiscal_year,
                                     through=self.through_label, at=self.stamp))


def followup_workbook(session: Session, *, planning_round: PlanningRound, unit: OrgUnit,
                      through: int | None = None, lang: str = "sv") -> bytes:
    """Gather a unit's follow-up and return it as xlsx bytes."""
    data = followup_data(session, planning_round=planning_round, unit=unit, through=through)
    return render_followup(data, generated_at=utcnow(), lang=lang)


def render_followup(data: FollowupData, *, generated_at: datetime, lang: str = "sv") -> bytes:
    """Render the follow-up workbook of `data` as xlsx bytes."""
    buffer = io.BytesIO()
    book = open_book(buffer, title=t("followup_title", lang, unit=data.unit_name), generated_at=generated_at)
    ctx = _Render(data, generated_at, lang, followup_styles(book))
    summary = write_followup(book, ctx)
    months = write_months(book, ctx)
    write_columns(book, ctx)
    write_chart(book, ctx, summary, months)
    write_meta_sheet(book, meta_values(ctx))
    book.close()
    return buffer.getvalue()


def followup_styles(book) -> dict:
    """Return the consolidated workbook's formats and the percentages' and block headers'."""
    styles = make_styles(book)
    styles["percent"] = book.add_format({"num_format": PERCENT_FORMAT})
    styles["subtotal_percent"] = book.add_format({"num_format": PERCENT_FORMAT, "bold": True, "top": 1})
    styles["result_percent"] = book.add_format({"num_format": PERCENT_FORMAT, "bold": True, "top": 1,
                                                "bottom": 6})
    styles["block"] = book.add_format({"bold": True, "bg_color": "#B8CCE4", "align": "center", "border": 1})
    return styles


ROW_STYLES = {"group": ("money", "percent", None), "costs": ("subtotal", "subtotal_percent", "subtotal_text"),
              "result": ("result", "result_percent", "result_text")}


def put_figures(sheet, ctx: _Render, row: int, col: int, kind: str, values: list) -> None:
    """Write a row's amounts and percentages from `col` on; None is an empty cell."""
    money, percent, _ = (ctx.styles[name] if name else None for name in ROW_STYLES[kind])
    for offset, (key, value) in enumerate(values):
        style = percent if key.endswith("_pct") else money
        if value is None:
            sheet.write_blank(row, col + offset, None, style)
        elif key.endswith("_pct"):
            sheet.write_number(row, col + offset, float(value), style)
        else:
            put_money(sheet, row, col + offset, value, style)


def put_label(sheet, ctx: _Render, row: int, col: int, kind: str, label: str) -> None:
    """Write a row's label in its kind's style."""
    style = ROW_STYLES[kind][2]
    put_text(sheet, row, col, label, ctx.styles[style] if style else None)


def write_followup(book, ctx: _Render):
    """Write the account groups' figures to date and for the full year, the result last."""
    data = ctx.data
    sheet = book.add_worksheet(ctx.t("followup_sheet"))
    ctx.heading(sheet)
    sources = {key: code or ctx.t("no_round", year=data.fiscal_year)
               for key, code in (("budget", data.budget_round_code), ("forecast", data.forecast_round_code))}
    put_text(sheet, 2, 0, ctx.t("sources", **sources))
    write_blocks(sheet, ctx)
    rows = followup_rows(data, ctx.lang)
    for row, line in enumerate(rows, start=HEADER_ROW + 1):
        put_label(sheet, ctx, row, 0, line.kind, line.label)
        put_figures(sheet, ctx, row, 1, line.kind,
                    [(key, getattr(line.figures, key)) for key in (*TO_DATE, *FULL_YEAR)])
    put_text(sheet, HEADER_ROW + len(rows) + 2, 0, ctx.t("note"))
    sheet.set_row(HEADER_ROW, 32)
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, len(TO_DATE) + len(FULL_YEAR), 16)
    sheet.freeze_panes(HEADER_ROW + 1, 1)
    ctx.page(sheet, HEADER_ROW)
    sheet.activate()
    return sheet


def write_blocks(sheet, ctx: _Render) -> None:
    """Write the two header rows: the blocks (to date, full year) and each column's name."""
    s, data = ctx.styles, ctx.data
    estimate = "estimate_budget" if data.forecast is None else "estimate_forecast"
    headers = [ctx.t(estimate if key == "estimate" else key) for key in (*TO_DATE, *FULL_YEAR)]
    put_text(sheet, HEADER_ROW, 0, ctx.t("account_group"), s["header"])
    for col, header in enumerate(headers, start=1):
        put_text(sheet, HEADER_ROW, col, header, s["header_number"])
    first, last = 1 + len(TO_DATE), len(TO_DATE) + len(FULL_YEAR)
    sheet.merge_range(HEADER_ROW - 1, 1, HEADER_ROW - 1, len(TO_DATE), "", s["block"])
    to_date = ctx.t("to_date", through=ctx.through_label) if data.through else ctx.t("to_date_none")
    put_text(sheet, HEADER_ROW - 1, 1, to_date, s["block"])
    sheet.merge_range(HEADER_ROW - 1, first, HEADER_ROW - 1, last, "", s["block"])
    put_text(sheet, HEADER_ROW - 1, first, ctx.t("full_year", year=data.fiscal_year), s["block"])


def write_months(book, ctx: _Render) -> tuple[str, int, int]:
    """Write actual, budget and forecast month by month, then the cumulative result.

    Return the sheet's name, the first cumulative row and how many there are, for the chart.
    """
    s = ctx.styles
    name = ctx.t("month_sheet")
    sheet = book.add_worksheet(name)
    ctx.heading(sheet)
    headers = [ctx.t("account_group"), ctx.t("what"), *MONTH_LABELS.get(ctx.lang, MONTH_LABELS["sv"]),
               ctx.t("total")]
    for col, header in enumerate(headers):
        put_text(sheet, TABLE_ROW, col, header, s["header" if col < 2 else "header_number"])
    found = measures(ctx.data)
    labels = [*(group_label(g, ctx.lang) for g in AccountGroup), ctx.t("costs"), ctx.t("result")]
    kinds = ["group"] * len(AccountGroup) + ["costs", "result"]
    row = TABLE_ROW + 1
    for index, (label, kind) in enumerate(zip(labels, kinds)):
        for measure, rows in found:
            write_month_row(sheet, ctx, row, (label, ctx.t(measure)), kind, rows[index])
            row += 1
    cumulative_row = row + 1
    for offset, (measure, rows) in enumerate(found):
        write_month_row(sheet, ctx, cumulative_row + offset, (ctx.t("cumulative"), ctx.t(measure)),
                        "group", cumulative(rows[-1]), total=False)
    sheet.set_column(0, 1, 24)
    sheet.set_column(2, 14, 14)
    sheet.freeze_panes(TABLE_ROW + 1, 2)
    ctx.page(sheet, TABLE_ROW)
    return name, cumulative_row, len(found)


def cumulative(months: tuple[Decimal | None, ...]) -> tuple[Decimal | None, ...]:
    """Return the running sum of months; empty months (after the cut-off) stay empty."""
    running = list(accumulate(m if m is not None else ZERO for m in months))
    return tuple(None if m is None else r for m, r in zip(months, running))


def write_month_row(sheet, ctx: _Render, row: int, labels: tuple[str, str], kind: str,
                    months: tuple[Decimal | None, ...], total: bool = True) -> None:
    """Write one monthly row: its labels, twelve months and, unless cumulative, their total."""
    for col, label in enumerate(labels):
        put_label(sheet, ctx, row, col, kind, label)
    values = [("month", m) for m in months]
    if total:
        values.append(("total", sum((m for m in months if m is not None), ZERO)))
    put_figures(sheet, ctx, row, 2, kind, values)


def write_columns(book, ctx: _Render) -> None:
    """Write the to-date figures of each activity, or of each unit right below, group by group."""
    data, s = ctx.data, ctx.styles
    sheet = book.add_worksheet(ctx.t("column_sheet"))
    ctx.heading(sheet)
    first = "activity" if data.unit_kind == UnitKind.department else "unit"
    headers = [ctx.t(first), ctx.t("name"), ctx.t("account_group"), *(ctx.t(key) for key in TO_DATE)]
    for col, header in enumerate(headers):
        put_text(sheet, TABLE_ROW, col, header, s["header" if col < 3 else "header_number"])
    row = TABLE_ROW + 1
    for column in data.columns:
        for line in followup_rows(data, ctx.lang, column.code):
            put_label(sheet, ctx, row, 0, line.kind, column.code)
            put_label(sheet, ctx, row, 1, line.kind, column.label(ctx.lang))
            put_label(sheet, ctx, row, 2, line.kind, line.label)
            put_figures(sheet, ctx, row, 3, line.kind, [(k, getattr(line.figures, k)) for k in TO_DATE])
            row += 1
    sheet.autofilter(TABLE_ROW, 0, max(row - 1, TABLE_ROW + 1), len(headers) - 1)
    for col, width in enumerate((12, 30, 26, 16, 16, 16, 12)):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(TABLE_ROW + 1, 3)
    ctx.page(sheet, TABLE_ROW)


def write_chart(book, ctx: _Render, summary, months: tuple[str, int, int]) -> None:
    """Chart the cumulative result month by month: actual to the cut-off, budget, forecast."""
    name, first_row, count = months
    chart = book.add_chart({"type": "line"})
    for row in range(first_row, first_row + count):
        chart.add_series({"name": [name, row, 1], "categories": [name, TABLE_ROW, 2, TABLE_ROW, 13],
                          "values": [name, row, 2, row, 13], "marker": {"type": "circle"}})
    chart.set_title({"name": ctx.t("chart_title", year=ctx.data.fiscal_year)})
    chart.set_y_axis({"num_format": WHOLE_FORMAT, "name": ctx.t("amount_axis")})
    chart.show_blanks_as("gap")  # the actual stops at the cut-off
    chart.set_size({"width": 900, "height": 380})
    summary.insert_chart(HEADER_ROW + len(AccountGroup) + 6, 0, chart)


def meta_values(ctx: _Render) -> dict[str, str]:
    """Return what identifies this workbook, all as text."""
    data = ctx.data
    return {
        "format": FORMAT, "format_version": FORMAT_VERSION, "round": data.round_code,
        "unit": data.unit_code, "fiscal_year": str(data.fiscal_year), "through": data.through_period,
        "budget_round": data.budget_round_code or "", "forecast_round": data.forecast_round_code or "",
        "generated_at": ctx.generated_at.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "lang": ctx.lang,
    }
