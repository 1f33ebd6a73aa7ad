"""Texts users read, in Swedish (default) and English, keyed by a stable code."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("sv", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # General API errors
    "bad_request": {"sv": "Felaktig begäran.", "en": "Bad request."},
    "unauthorized": {
        "sv": "Du är inte inloggad: ange en giltig token (Authorization: Bearer ...).",
        "en": "Not signed in: send a valid token (Authorization: Bearer ...).",
    },
    "forbidden": {"sv": "Du saknar behörighet för detta.", "en": "You may not do this."},
    "forbidden_role": {
        "sv": "Du saknar rollen {role} för {unit}.",
        "en": "You do not hold the role {role} for {unit}.",
    },
    "not_found": {"sv": "Hittades inte.", "en": "Not found."},
    "round_not_found": {
        "sv": "Planeringsomgången {round} finns inte.",
        "en": "The planning round {round} does not exist.",
    },
    "unit_not_found": {
        "sv": "Enheten {unit} finns inte.",
        "en": "The unit {unit} does not exist.",
    },
    "user_not_found": {"sv": "Användaren {user} finns inte.", "en": "The user {user} does not exist."},
    "submission_not_found": {
        "sv": "Version {version} av inlämningen för {unit} i {round} finns inte.",
        "en": "Version {version} of the submission for {unit} in {round} does not exist.",
    },
    "conflict": {"sv": "Åtgärden krockar med aktuellt läge.", "en": "The action conflicts with the current state."},
    "method_not_allowed": {"sv": "Metoden stöds inte här.", "en": "Method not allowed here."},
    "internal_error": {
        "sv": "Ett internt fel inträffade. Inget sparades. Försök igen eller kontakta systemansvarig.",
        "en": "An internal error occurred. Nothing was stored. Try again or contact the system administrator.",
    },
    "payload_too_large": {
        "sv": "Filen är för stor ({size} byte); största tillåtna storlek är {limit} byte.",
        "en": "The file is too large ({size} bytes); the largest allowed is {limit} bytes.",
    },
    "empty_upload": {
        "sv": "Ingen fil skickades. Skicka arbetsboken som begärans innehåll eller i fältet 'file'.",
        "en": "No file was sent. Send the workbook as the request body or in the field 'file'.",
    },
    "not_xlsx": {
        "sv": "Filen är ingen läsbar Excel-arbetsbok (.xlsx): {detail}. Spara den som Excel-arbetsbok och försök igen.",
        "en": "The file is not a readable Excel workbook (.xlsx): {detail}. Save it as an Excel workbook and try again.",
    },
    "validation_failed": {
        "sv": "Arbetsboken innehåller {count} fel och sparades inte. Rätta felen och skicka igen.",
        "en": "The workbook has {count} errors and was not stored. Correct them and send it again.",
    },
    "invalid_json": {
        "sv": "Begärans innehåll är inte giltig JSON: {detail}.",
        "en": "The request body is not valid JSON: {detail}.",
    },
    "invalid_field": {
        "sv": "Fältet '{field}' är felaktigt: {detail}.",
        "en": "The field '{field}' is invalid: {detail}.",
    },
    "round_exists": {
        "sv": "Planeringsomgången {round} finns redan.",
        "en": "The planning round {round} already exists.",
    },
    "round_not_open": {
        "sv": "Planeringsomgången {round} är inte öppen (läge: {state}).",
        "en": "The planning round {round} is not open (state: {state}).",
    },
    "round_state_change": {
        "sv": "Planeringsomgången {round} kan inte gå från {state} till {target}.",
        "en": "The planning round {round} cannot go from {state} to {target}.",
    },
    "not_a_department": {
        "sv": "{unit} är ingen avdelning; mallar och inlämningar gäller avdelningar.",
        "en": "{unit} is not a department; templates and submissions concern departments.",
    },
    "no_template_issued": {
        "sv": "Ingen mall har skapats för {unit} i {round}. Be processansvarig att skapa mallarna.",
        "en": "No template has been generated for {unit} in {round}. Ask the process administrator to generate the templates.",
    },
}


def render(code: str, lang: str = "sv", **params: Any) -> str:
    """Return the message for `code` in `lang`, filled with `params`."""
    texts = MESSAGES.get(code)
    if texts is None:
        return code if not params else f"{code}: {params}"
    text = texts.get(lang) or texts["sv"]
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text


def pick_language(accept_language: str | None) -> str:
    """Choose 'sv' or 'en' from an Accept-Language header; Swedish unless English is preferred."""
    if not accept_language:
        return "sv"
    best, best_q = "sv", -1.0
    for part in accept_language.split(","):
        tag, _, q = part.strip().partition(";q=")
        lang = tag.strip().lower()[:2]
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        if lang in LANGUAGES and weight > best_q:
            best, best_q = lang, weight
    return best
