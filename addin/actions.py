"""What each ribbon button does, on the `Excel` interface and the service's client.

A refusal the add-in makes itself is a `Stop`; the service's refusals and failures arrive as
`ServiceError`. `ribbon.run` shows either as a plain message. Nothing here touches xlwings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from planround.addin.client import PlanroundClient, ServiceError
from planround.addin.kontroll import KONTROLL_SHEET, problems_of, report
from planround.addin.port import Excel
from planround.addin.settings import Profile, ProfileStore
from planround.addin.texts import money, state_label, text

META_SHEET = "_meta"
TEMPLATE_FORMAT = "planround-template"
CONSOLIDATED_FORMAT = "planround-consolidated"
ECONOMIST_TASKS = {"submit", "resubmit", "sign_off"}  # tasks done in the department's own workbook

Item = TypeVar("Item")


class Stop(Exception):
    """The add-in refuses or stops; `key` and `values` make the message shown."""

    def __init__(self, key: str, **values: Any):
        super().__init__(key)
        self.key, self.values = key, values


def connect(profile: Profile, language: str) -> PlanroundClient:
    """Return a client for the profile's server and token."""
    return PlanroundClient(profile.server_url, profile.token, language=language)


@dataclass
class Context:
    """What an action works with: Excel, the user's profile and the language Excel speaks."""

    excel: Excel
    store: ProfileStore
    language: str = "sv"
    connect: Callable[[Profile, str], PlanroundClient] = field(default=connect)

    def say(self, key: str, **values: Any) -> str:
        return text(key, self.language, **values)

    def client(self) -> PlanroundClient:
        """Return a client for the saved profile; stop when it is not set up."""
        profile = self.store.load()
        if not profile.complete:
            raise Stop("no_settings")
        return self.connect(profile, self.language)


# --- the active workbook ----------------------------------------------------------------------


def workbook_meta(ctx: Context) -> dict[str, str]:
    """Return the active workbook's `_meta` keys and values as text; stop when there are none."""
    name = ctx.excel.workbook_name()
    if name is None:
        raise Stop("no_workbook")
    if META_SHEET not in ctx.excel.sheet_names():
        raise Stop("not_planround", name=name)
    return {meta_text(row[0]): meta_text(row[1]) for row in ctx.excel.read_sheet(META_SHEET)
            if len(row) >= 2 and row[0] not in (None, "")}


def meta_text(value: Any) -> str:
    """Return a meta value as text, should Excel have turned a number-looking one into a number."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def meta_of_format(ctx: Context, wanted: str, refusal: str) -> dict[str, str]:
    """Return the active workbook's meta when it is of the wanted format; else stop with `refusal`."""
    meta = workbook_meta(ctx)
    if meta.get("format") != wanted:
        raise Stop(refusal, name=ctx.excel.workbook_name())
    return meta


def saved_content(ctx: Context) -> bytes:
    """Return the bytes of the saved workbook, saving it first when the user agrees."""
    excel = ctx.excel
    if not excel.is_saved() or excel.workbook_path() is None:
        if not excel.confirm(ctx.say("save_first", name=excel.workbook_name())):
            raise Stop("not_sent")
        excel.save()
    path = excel.workbook_path()
    if path is None or not excel.is_saved():  # the user cancelled Excel's Save As dialog
        raise Stop("not_sent")
    return path.read_bytes()


# --- Kontrollera and Spara till servern --------------------------------------------------------


def check(ctx: Context) -> None:
    """Send the active workbook as a dry run; list its errors in Kontroll."""
    send_workbook(ctx, dry_run=True)


def submit(ctx: Context) -> None:
    """Send the active workbook to be stored as the department's next version."""
    send_workbook(ctx, dry_run=False)


def send_workbook(ctx: Context, *, dry_run: bool) -> None:
    """Send the saved workbook; show the summary, or the errors in Kontroll with the cells marked."""
    meta = meta_of_format(ctx, TEMPLATE_FORMAT, "not_template")
    client = ctx.client()
    content = saved_content(ctx)
    round_code, unit_code = meta["round"], meta["unit"]
    try:
        summary = client.submit(round_code, unit_code, content, dry_run=dry_run,
                                filename=ctx.excel.workbook_name())
    except ServiceError as refused:
        if refused.status != 422 or not refused.errors:
            raise
        problems = problems_of(refused.errors)
        report(ctx.excel, problems, language=ctx.language, round_code=round_code, unit_code=unit_code)
        ctx.excel.show(ctx.say("has_errors", count=len(problems)))
        return
    if KONTROLL_SHEET in ctx.excel.sheet_names():  # clear the last check's marks; add no sheet when all is well
        report(ctx.excel, [], language=ctx.language, round_code=round_code, unit_code=unit_code)
    ctx.excel.show(summary_message(ctx, summary))


def summary_message(ctx: Context, summary: dict[str, Any]) -> str:
    """Return what a successful check or submission says."""
    amounts = {k: money(summary[k], ctx.language) for k in ("total_revenue", "total_cost", "result")}
    if summary.get("dry_run"):
        return ctx.say("check_ok", lines=summary["line_count"], revenue=amounts["total_revenue"],
                       cost=amounts["total_cost"], result=amounts["result"])
    return ctx.say("submit_ok", version=summary["version"], unit=summary["unit"],
                   lines=summary["line_count"], result=amounts["result"])


# --- the approval climb ------------------------------------------------------------------------


def sign_off(ctx: Context) -> None:
    """Sign the department of the active workbook off as its economist."""
    meta = workbook_meta(ctx)
    climb_step(ctx, meta, "approve", ctx.say("confirm_sign_off", unit=meta["unit"], round=meta["round"]))


def withdraw(ctx: Context) -> None:
    """Take back the economist's sign-off of the department of the active workbook."""
    meta = workbook_meta(ctx)
    climb_step(ctx, meta, "withdraw", ctx.say("confirm_withdraw", unit=meta["unit"], round=meta["round"]))


def approve(ctx: Context) -> None:
    """Approve the unit of the open consolidated workbook, as of the version it is."""
    meta = meta_of_format(ctx, CONSOLIDATED_FORMAT, "not_consolidated")
    question = ctx.say("confirm_approve", unit=meta["unit"], round=meta["round"], version=meta["version"])
    climb_step(ctx, meta, "approve", question, consolidated_version=int(meta["version"]))


def climb_step(ctx: Context, meta: dict[str, str], action: str, question: str, **body: Any) -> None:
    """Take one step of the climb on the workbook's unit after the user confirms; show where it went."""
    client = ctx.client()
    if not ctx.excel.confirm(question):
        return
    answer = client.act(meta["round"], meta["unit"], action, **body)
    ctx.excel.show(ctx.say("done", steps=steps_text(ctx, answer["transitions"])))


def reject(ctx: Context) -> None:
    """Send a department of the open workbook back to its economist with a reason."""
    meta = workbook_meta(ctx)
    client = ctx.client()
    department = department_to_reject(ctx, client, meta["round"], meta["unit"])
    if department is None:
        return
    reason = ctx.excel.ask(ctx.say("ask_reason", unit=department))
    if reason is None:
        return
    if not reason.strip():
        raise Stop("no_reason")
    answer = client.act(meta["round"], department, "reject", comment=reason.strip())
    ctx.excel.show(ctx.say("done", steps=steps_text(ctx, answer["transitions"])))


def department_to_reject(ctx: Context, client: PlanroundClient, round_code: str, unit_code: str) -> str | None:
    """Return the workbook's department, or the one the user picks below a group or the university."""
    status = client.status(round_code, unit_code)
    if status["kind"] == "department":
        return unit_code
    departments = status["departments"]
    lines = [f"{d['unit']} {d['name']}: {d['label']}" for d in departments]
    chosen = pick(ctx, ctx.say("pick_department", unit=unit_code), lines, departments)
    return chosen["unit"] if chosen else None


def steps_text(ctx: Context, transitions: list[dict[str, Any]]) -> str:
    """Return the steps taken, one line each: unit, from, to."""
    return "\n".join(f"{t['unit']}: {state_label(t['from'], ctx.language)} → {state_label(t['to'], ctx.language)}"
                     for t in transitions)


# --- choosing, downloading, opening ------------------------------------------------------------


def pick(ctx: Context, title: str, lines: list[str], items: list[Item]) -> Item | None:
    """Ask the user to pick one of the items by its number; None when they cancel."""
    numbered = "\n".join(f"{number}. {line}" for number, line in enumerate(lines, 1))
    answer = ctx.excel.ask(ctx.say("pick", title=title, options=numbered))
    if answer is None or not answer.strip():
        return None
    try:
        number = int(answer.strip().rstrip("."))
    except ValueError:
        raise Stop("bad_pick", count=len(items)) from None
    if not 1 <= number <= len(items):
        raise Stop("bad_pick", count=len(items))
    return items[number - 1]


def open_download(ctx: Context, content: bytes, filename: str) -> Path:
    """Write a downloaded workbook to the download folder under a name not yet taken, and open it."""
    folder = ctx.store.load().download_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = unused_path(folder / filename)
    path.write_bytes(content)
    ctx.excel.open_workbook(path)
    return path


def unused_path(path: Path) -> Path:
    """Return the path, or "name (2).xlsx" and so on when it exists: a download never overwrites work."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem} ({number}){path.suffix}")
    return candidate


def open_department_workbook(ctx: Context, client: PlanroundClient, round_code: str, unit_code: str) -> Path:
    """Open the department's latest submitted version, or its template when nothing is submitted."""
    versions = client.submissions(round_code, unit_code)
    if versions:
        version = versions[0]["version"]
        return open_download(ctx, client.submission_file(round_code, unit_code, version),
                             f"{round_code}_{unit_code}_v{version}.xlsx")
    return open_download(ctx, client.template(round_code, unit_code), f"{round_code}_{unit_code}.xlsx")


def open_consolidated(ctx: Context, client: PlanroundClient, round_code: str, unit_code: str) -> Path:
    """Open the latest consolidated workbook of a unit."""
    content, version = client.consolidated(round_code, unit_code)
    return open_download(ctx, content, f"{round_code}_{unit_code}_sammanstallning_v{version}.xlsx")


# --- Mina uppgifter, Hämta mall, Status, Sammanställning ---------------------------------------


def my_tasks(ctx: Context) -> None:
    """List what waits for the user; open the workbook of the task they pick."""
    client = ctx.client()
    tasks = client.tasks()
    if not tasks:
        raise Stop("no_tasks")
    task = pick(ctx, ctx.say("pick_task"), [task_line(ctx, t) for t in tasks], tasks)
    if task is None:
        return
    if task["action"] in ECONOMIST_TASKS:
        open_department_workbook(ctx, client, task["round_code"], task["unit_code"])
    else:
        open_consolidated(ctx, client, task["round_code"], task["unit_code"])


def task_line(ctx: Context, task: dict[str, Any]) -> str:
    """Return one task as a line: overdue flag, deadline, round, unit and what to do."""
    flag = f"{ctx.say('overdue')} " if task["overdue"] else ""
    return (f"{flag}{task['deadline'] or '-'} · {task['round_name']} · "
            f"{task['unit_code']} {task['unit_name']}: {task['message']}")


def get_template(ctx: Context) -> None:
    """Download and open the template of a department the user works on, in an open round."""
    client = ctx.client()
    options = template_options(client)
    if not options:
        raise Stop("no_templates")
    lines = [f"{r['name']} · {code} {name}" for r, code, name in options]
    chosen = pick(ctx, ctx.say("pick_template"), lines, options)
    if chosen:
        round_code, unit_code = chosen[0]["code"], chosen[1]
        open_download(ctx, client.template(round_code, unit_code), f"{round_code}_{unit_code}.xlsx")


def template_options(client: PlanroundClient) -> list[tuple[dict[str, Any], str, str]]:
    """Return (round, department, name) for each open round and department of the user's roles."""
    roles = client.me()["roles"]
    # The economist's roles decide; a user without one (a head, an administrator) gets every role's.
    grants = [g for g in roles if g["role"] == "economist"] or roles
    options = []
    for planning_round in (r for r in client.rounds() if r["state"] == "open"):
        departments: dict[str, str] = {}
        for grant in grants:
            for d in client.status(planning_round["code"], grant["unit"])["departments"]:
                departments.setdefault(d["unit"], d["name"])
        options += [(planning_round, code, departments[code]) for code in sorted(departments)]
    return options


def unit_options(client: PlanroundClient) -> list[tuple[dict[str, Any], str, str]]:
    """Return (round, unit, name) for each round past draft and each unit the user holds a role on."""
    units = sorted({(g["unit"], g["unit_name"]) for g in client.me()["roles"]})
    return [(r, code, name) for r in client.rounds() if r["state"] != "draft" for code, name in units]


def chosen_unit(ctx: Context, client: PlanroundClient) -> tuple[str, str] | None:
    """Return the round and unit to act on: the open planround workbook's, else the user's pick."""
    if ctx.excel.workbook_name() is not None and META_SHEET in ctx.excel.sheet_names():
        meta = workbook_meta(ctx)
        if meta.get("round") and meta.get("unit"):
            return meta["round"], meta["unit"]
    options = unit_options(client)
    if not options:
        raise Stop("no_units")
    chosen = pick(ctx, ctx.say("pick_unit"), [f"{r['name']} · {code} {name}" for r, code, name in options],
                  options)
    return (chosen[0]["code"], chosen[1]) if chosen else None


def show_status(ctx: Context) -> None:
    """Show the state of the unit and every unit below it."""
    client = ctx.client()
    chosen = chosen_unit(ctx, client)
    if chosen:
        ctx.excel.show(status_text(ctx, chosen[0], client.status(*chosen)))


def status_text(ctx: Context, round_code: str, status: dict[str, Any]) -> str:
    """Return the status as lines: the unit, its groups, then each department with who and when."""
    lines = [f"{round_code} · " + ctx.say("status_line", code=status["unit"], name=status["name"],
                                          label=status["label"])]
    lines += ["  " + ctx.say("status_line", code=g["unit"], name=g["name"], label=g["label"])
              for g in status["groups"]]
    lines += ["    " + department_line(ctx, d) for d in status["departments"]]
    return "\n".join(lines)


def department_line(ctx: Context, department: dict[str, Any]) -> str:
    """Return a department's state with who changed it when, and a rejection's reason."""
    line = ctx.say("status_line", code=department["unit"], name=department["name"], label=department["label"])
    who = ", ".join(str(x)[:16].replace("T", " ") for x in (department.get("changed_by"),
                                                             department.get("changed_at")) if x)
    if who:
        line += f" ({who})"
    if department.get("rejection_reason"):
        line += " – " + ctx.say("rejected_because", reason=department["rejection_reason"])
    return line


def consolidated(ctx: Context) -> None:
    """Download and open the latest consolidated workbook of a unit."""
    client = ctx.client()
    chosen = chosen_unit(ctx, client)
    if chosen:
        open_consolidated(ctx, client, *chosen)


# --- Inställningar -----------------------------------------------------------------------------


def edit_settings(ctx: Context) -> None:
    """Ask for the server address and the token, save them to the profile and try them."""
    profile = ctx.store.load()
    server_url = ctx.excel.ask(ctx.say("ask_server"), profile.server_url)
    if server_url is None:
        return
    token = ctx.excel.ask(ctx.say("ask_token"), "", secret=True)
    if token is None:
        return
    profile = ctx.store.save(server_url=server_url, token=token.strip() or None)
    try:
        me = ctx.connect(profile, ctx.language).me()
    except ServiceError as error:
        ctx.excel.show(ctx.say("saved_but", error=error.message))
        return
    roles = ", ".join(f"{g['role']} {g['unit']}" for g in me["roles"]) or "-"
    ctx.excel.show(ctx.say("signed_in", name=me["full_name"], username=me["username"], roles=roles))
