"""The shape of a planround workbook: sheet names, defined names, table columns.

The generator and the reader both take their places from here and from the workbook's
defined names and Excel table, never from fixed cell addresses, so an administrator can
restyle the master template (insert rows above the table, move the header) in Excel.
"""

from __future__ import annotations

from dataclasses import dataclass

from planround.models.submissions import DistributionKey

TEMPLATE_FORMAT = "planround-template"
TEMPLATE_FORMAT_VERSION = 1

INPUT_SHEET = "Budget"
SUMMARY_SHEET = "Sammanställning"
LISTS_SHEET = "Listor"
META_SHEET = "_meta"

LINES_TABLE = "BudgetLines"

# Defined names of the header cells on the input sheet.
NAME_UNIT_CODE = "pr_unit_code"
NAME_UNIT_NAME = "pr_unit_name"
NAME_ROUND_NAME = "pr_round_name"
NAME_DEADLINE = "pr_deadline"
NAME_FISCAL_YEAR = "pr_fiscal_year"
HEADER_NAMES = (NAME_UNIT_CODE, NAME_UNIT_NAME, NAME_ROUND_NAME, NAME_DEADLINE, NAME_FISCAL_YEAR)

MONTH_KEYS = tuple(f"m{n:02d}" for n in range(1, 13))
MONTH_LABELS = ("Jan", "Feb", "Mar", "Apr", "Maj", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dec")


@dataclass(frozen=True)
class Column:
    key: str  # the name the code uses
    header: str  # the table's column header, Swedish, as the user sees it
    prefilled: bool  # written by the generator, locked, covered by the signature
    number: bool = False
    computed: bool = False  # a live formula the generator writes: locked, never read back


COLUMNS: tuple[Column, ...] = (
    Column("activity", "Verksamhet", prefilled=True),
    Column("activity_name", "Verksamhetsnamn", prefilled=True),
    Column("account", "Konto", prefilled=True),
    Column("account_name", "Kontonamn", prefilled=True),
    Column("last_year", "Utfall fg år", prefilled=True, number=True),
    Column("annual", "Årsbelopp", prefilled=False, number=True),
    Column("key", "Fördelning", prefilled=False),
    *(Column(k, label, prefilled=False, number=True) for k, label in zip(MONTH_KEYS, MONTH_LABELS)),
    Column("comment", "Kommentar", prefilled=False),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

# Distribution keys as the dropdown shows them; the reader accepts labels and codes.
KEY_LABELS: dict[DistributionKey, str] = {
    DistributionKey.even: "Jämn",
    DistributionKey.salary: "Löneprofil",
    DistributionKey.own: "Egna månader",
}
KEY_BY_TEXT: dict[str, DistributionKey] = {
    **{label.casefold(): key for key, label in KEY_LABELS.items()},
    **{key.value: key for key in DistributionKey},
    "even": DistributionKey.even,
    "salary profile": DistributionKey.salary,
    "own months": DistributionKey.own,
}

# Empty rows after the prefilled ones, where a line can be added with the dropdowns.
SPARE_ROWS = 10

# The summary sheet's anchor: the first header cell of the per-activity summary table.
NAME_SUMMARY_ANCHOR = "pr_summary_anchor"

# Lists on the hidden lists sheet that the dropdowns and summary formulas refer to by name.
NAME_LIST_ACTIVITIES = "pr_list_activities"
NAME_LIST_ACCOUNTS = "pr_list_accounts"
NAME_LIST_KEYS = "pr_list_keys"
NAME_LIST_REVENUE_ACCOUNTS = "pr_list_revenue_accounts"
NAME_LIST_COST_ACCOUNTS = "pr_list_cost_accounts"

# The kind of workbook a master template produces, written to the metadata sheet.
TEMPLATE_KIND_BUDGET = "budget"
TEMPLATE_KIND_FORECAST = "forecast"

# --- the forecast (prognos) template ----------------------------------------------------------

FORECAST_SHEET = "Prognos"
FORECAST_TABLE = "ForecastLines"
# The last closed month whose actuals the template shows, as text ("Apr 2026").
NAME_ACTUALS_THROUGH = "pr_actuals_through"
FORECAST_HEADER_NAMES = (*HEADER_NAMES, NAME_ACTUALS_THROUGH)
ACTUAL_MONTH_KEYS = tuple(f"actual_{key}" for key in MONTH_KEYS)

FORECAST_COLUMNS: tuple[Column, ...] = (
    *COLUMNS[:4],  # activity, activity name, account, account name: as in the budget
    Column("budget", "Budget", prefilled=True, number=True),
    *(Column(k, f"Utfall {label}", prefilled=True, number=True) for k, label in zip(ACTUAL_MONTH_KEYS, MONTH_LABELS)),
    Column("actual_to_date", "Utfall hittills", prefilled=True, number=True),
    Column("forecast", "Helårsprognos", prefilled=False, number=True),
    Column("deviation", "Avvikelse mot budget", prefilled=False, number=True, computed=True),
    Column("comment", "Kommentar", prefilled=False),
)


@dataclass(frozen=True)
class TemplateLayout:
    """One kind of template: its input sheet, lines table, columns and named header cells."""

    kind: str
    input_sheet: str
    table: str
    columns: tuple[Column, ...]
    header_names: tuple[str, ...]
    summary_key: str  # the input column the summary sheet adds up

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    @property
    def input_amount_keys(self) -> tuple[str, ...]:
        """Return the amount columns the economist types into."""
        return tuple(c.key for c in self.columns if c.number and not (c.prefilled or c.computed))


BUDGET = TemplateLayout(TEMPLATE_KIND_BUDGET, INPUT_SHEET, LINES_TABLE, COLUMNS, HEADER_NAMES, "annual")
FORECAST = TemplateLayout(TEMPLATE_KIND_FORECAST, FORECAST_SHEET, FORECAST_TABLE, FORECAST_COLUMNS,
                          FORECAST_HEADER_NAMES, "forecast")
LAYOUTS: dict[str, TemplateLayout] = {spec.kind: spec for spec in (BUDGET, FORECAST)}


def table_prefill(prefill: list[dict]) -> list[dict]:
    """Return the lines table's rows of an issue's prefill; the entries of other sheets carry no `row`."""
    return [entry for entry in prefill if "row" in entry]
