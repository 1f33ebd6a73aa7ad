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
    # Submitted workbooks: identity, signature and cells
    "wrong_format": {
        "sv": "Arbetsboken är ingen planeringsmall från planround (bladet _meta saknas eller är ändrat). Hämta mallen på nytt.",
        "en": "The workbook is not a planround template (the _meta sheet is missing or changed). Download the template again.",
    },
    "wrong_round": {
        "sv": "Arbetsboken hör till omgången {found} men skickades till {expected}. Skicka den till rätt omgång.",
        "en": "The workbook belongs to the round {found} but was sent to {expected}. Send it to the right round.",
    },
    "wrong_unit": {
        "sv": "Arbetsboken gäller enheten {found} men skickades för {expected}. Skicka den för rätt enhet.",
        "en": "The workbook is for the unit {found} but was sent for {expected}. Send it for the right unit.",
    },
    "stale_template": {
        "sv": "Arbetsboken bygger på mallversion {found} men version {current} gäller för {unit}. Hämta den nya mallen och för över dina siffror.",
        "en": "The workbook is based on template version {found} but version {current} applies to {unit}. Download the new template and copy your figures over.",
    },
    "bad_signature": {
        "sv": "Mallens signatur stämmer inte: metadata eller förifyllda uppgifter har ändrats utanför de öppna cellerna. Hämta en ny mall.",
        "en": "The template's signature does not hold: metadata or prefilled data were changed outside the input cells. Download a new template.",
    },
    "rows_removed": {
        "sv": "Tabellen har {found} rader men mallen hade {expected} förifyllda. Ta inte bort rader; lägg till nya på de tomma raderna längst ned.",
        "en": "The table has {found} rows but the template had {expected} prefilled. Do not delete rows; add new ones on the empty rows at the bottom.",
    },
    "prefilled_changed": {
        "sv": "Cellen var förifylld med {expected} och får inte ändras (nu: {found}). Ångra ändringen.",
        "en": "The cell was prefilled with {expected} and must not change (now: {found}). Undo the change.",
    },
    "not_a_number": {
        "sv": "'{value}' är inget belopp. Skriv ett tal i kronor, till exempel 12500,50.",
        "en": "'{value}' is not an amount. Enter a number in kronor, for example 12500.50.",
    },
    "date_not_number": {
        "sv": "Cellen innehåller ett datum ({value}) där ett belopp ska stå. Skriv beloppet i kronor.",
        "en": "The cell holds a date ({value}) where an amount belongs. Enter the amount in kronor.",
    },
    "cell_error": {
        "sv": "Cellen innehåller felvärdet {value}. Rätta formeln eller skriv in beloppet.",
        "en": "The cell holds the error value {value}. Fix the formula or enter the amount.",
    },
    "not_finite": {
        "sv": "Cellen innehåller {value}, inget ändligt belopp. Skriv ett tal i kronor.",
        "en": "The cell holds {value}, not a finite amount. Enter a number in kronor.",
    },
    "too_many_decimals": {
        "sv": "Beloppet {value} har fler än två decimaler. Avrunda till hela ören, till exempel med AVRUNDA(...; 2).",
        "en": "The amount {value} has more than two decimals. Round it to whole öre, for example with ROUND(...; 2).",
    },
    "amount_too_large": {
        "sv": "Beloppet {value} är för stort. Kontrollera att det är angivet i kronor.",
        "en": "The amount {value} is too large. Check that it is given in kronor.",
    },
    "invalid_key": {
        "sv": "Fördelningen '{value}' finns inte. Välj Jämn, Löneprofil eller Egna månader i listan.",
        "en": "The distribution key '{value}' does not exist. Choose Jämn, Löneprofil or Egna månader from the list.",
    },
    "months_need_own_key": {
        "sv": "Månadsbelopp är ifyllda men fördelningen är {key}. Välj Egna månader eller töm månaderna.",
        "en": "Monthly amounts are filled in but the distribution key is {key}. Choose Egna månader or clear the months.",
    },
    "months_mismatch": {
        "sv": "Månaderna summerar till {months} men årsbeloppet är {annual} (skillnad {diff}). Justera så att de stämmer.",
        "en": "The months add up to {months} but the annual amount is {annual} (difference {diff}). Make them agree.",
    },
    "missing_activity": {
        "sv": "Raden har belopp men ingen verksamhet. Välj verksamhet i listan.",
        "en": "The row has amounts but no activity. Choose an activity from the list.",
    },
    "missing_account": {
        "sv": "Raden har belopp men inget konto. Välj konto i listan.",
        "en": "The row has amounts but no account. Choose an account from the list.",
    },
    "unknown_activity": {
        "sv": "Verksamheten '{value}' finns inte för {unit}. Välj en verksamhet i listan.",
        "en": "The activity '{value}' does not exist for {unit}. Choose an activity from the list.",
    },
    "unknown_account": {
        "sv": "Kontot '{value}' finns inte eller budgeteras inte. Välj ett konto i listan.",
        "en": "The account '{value}' does not exist or is not planned. Choose an account from the list.",
    },
    "duplicate_line": {
        "sv": "Verksamhet {activity} och konto {account} finns redan på rad {other}. Slå ihop raderna.",
        "en": "Activity {activity} and account {account} already appear on row {other}. Merge the rows.",
    },
    "comment_too_long": {
        "sv": "Kommentaren har {length} tecken; högst {limit} får plats. Korta den.",
        "en": "The comment has {length} characters; at most {limit} fit. Shorten it.",
    },
    "comment_required": {
        "sv": "Förändringen mot förra årets utfall är {change} kr ({pct} %). Över {threshold_pct} % och {threshold_amount} kr krävs en kommentar.",
        "en": "The change against last year's actual is {change} kr ({pct} %). Above {threshold_pct} % and {threshold_amount} kr a comment is required.",
    },
    "concurrent_submission": {
        "sv": "En annan version för {unit} sparades i samma ögonblick. Skicka arbetsboken igen.",
        "en": "Another version for {unit} was stored at the same moment. Send the workbook again.",
    },
    "too_many_cells": {
        "sv": "Arbetsboken har {count} celler i tabellen; högst {limit} tas emot. Ta bort överflödiga rader.",
        "en": "The workbook has {count} cells in the table; at most {limit} are accepted. Remove surplus rows.",
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
