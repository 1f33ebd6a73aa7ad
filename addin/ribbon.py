"""The ribbon's one Python entry point: the VBA passes the button's id and Excel's language here."""

from __future__ import annotations

import logging
from collections.abc import Callable

from planround.addin import actions
from planround.addin.actions import Context, Stop
from planround.addin.client import ServiceError
from planround.addin.settings import ProfileStore
from planround.addin.texts import language_of

log = logging.getLogger(__name__)

# The ids of the buttons in ribbon/customUI14.xml.
ACTIONS: dict[str, Callable[[Context], None]] = {
    "MyTasks": actions.my_tasks,
    "GetTemplate": actions.get_template,
    "Check": actions.check,
    "Submit": actions.submit,
    "SignOff": actions.sign_off,
    "Withdraw": actions.withdraw,
    "Approve": actions.approve,
    "Reject": actions.reject,
    "Status": actions.show_status,
    "Consolidated": actions.consolidated,
    "Settings": actions.edit_settings,
}


def on_action(button_id: str, language_id: int | None = None) -> None:
    """Run a button's action in the Excel that called, speaking Excel's language."""
    from planround.addin.excel import XlwingsExcel  # xlwings only where Excel is

    excel = XlwingsExcel.caller(language_of(language_id))
    run(button_id, Context(excel=excel, store=ProfileStore(), language=language_of(language_id)))


def run(button_id: str, ctx: Context) -> None:
    """Run a button's action; show refusals and failures as plain messages, never a traceback."""
    try:
        action = ACTIONS.get(button_id)
        if action is None:
            raise Stop("unknown_button", button=button_id)
        action(ctx)
    except Stop as stop:
        ctx.excel.show(ctx.say(stop.key, **stop.values))
    except ServiceError as error:
        ctx.excel.show(error.message)
    except Exception as error:  # xlwings would show a Python traceback; the user gets one line instead
        log.exception("planround add-in: %s failed", button_id)
        ctx.excel.show(ctx.say("unexpected", error=error))
