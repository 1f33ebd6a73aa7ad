"""What the add-in says to the user: Swedish, or English when Excel's language is English."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

SWEDISH_LCID = 1053
PRIMARY_ENGLISH = 9  # every English LCID (1033, 2057, ...) has this primary language id
TITLE = {"sv": "Planering", "en": "Planning"}

TEXTS: dict[str, dict[str, str]] = {
    "no_settings": {
        "sv": "Ange serveradress och din nyckel under Inställningar först.",
        "en": "Enter the server address and your token under Settings first."},
    "no_workbook": {
        "sv": "Ingen arbetsbok är öppen. Öppna en mall eller sammanställning från planround först.",
        "en": "No workbook is open. Open a planround template or consolidated workbook first."},
    "not_template": {
        "sv": "Den öppna arbetsboken ({name}) är ingen mall från planround. Hämta mallen med Hämta mall eller Mina uppgifter.",
        "en": "The open workbook ({name}) is not a planround template. Get it with Get template or My tasks."},
    "not_planround": {
        "sv": "Den öppna arbetsboken ({name}) kommer inte från planround (bladet _meta saknas).",
        "en": "The open workbook ({name}) does not come from planround (the sheet _meta is missing)."},
    "not_consolidated": {
        "sv": "Öppna den sammanställning du godkänner (Sammanställning eller Mina uppgifter); {name} är ingen sammanställning.",
        "en": "Open the consolidated workbook you approve (Consolidated or My tasks); {name} is not one."},
    "save_first": {
        "sv": "Arbetsboken {name} har ändringar som inte är sparade. Spara den och skicka det sparade?",
        "en": "The workbook {name} has unsaved changes. Save it and send what is saved?"},
    "not_sent": {
        "sv": "Inget skickades: arbetsboken är inte sparad.",
        "en": "Nothing was sent: the workbook is not saved."},
    "check_ok": {
        "sv": "Arbetsboken är giltig: {lines} rader, intäkter {revenue} kr, kostnader {cost} kr, resultat {result} kr. "
              "Inget är sparat på servern; använd Spara till servern.",
        "en": "The workbook is valid: {lines} lines, revenue {revenue} SEK, costs {cost} SEK, result {result} SEK. "
              "Nothing is stored on the server; use Save to server."},
    "submit_ok": {
        "sv": "Sparad på servern som version {version} av {unit}: {lines} rader, resultat {result} kr.",
        "en": "Stored on the server as version {version} of {unit}: {lines} lines, result {result} SEK."},
    "has_errors": {
        "sv": "Servern hittade {count} fel; inget är sparat. Felen står i bladet Kontroll och cellerna är markerade i rött.",
        "en": "The server found {count} errors; nothing is stored. They are listed in the sheet Kontroll and the cells are marked red."},
    "kontroll_title": {
        "sv": "Kontroll {when}: {round}, {unit}. Markeringarna tas bort vid nästa kontroll.",
        "en": "Check {when}: {round}, {unit}. The marks are removed at the next check."},
    "kontroll_headers": {"sv": "Blad|Cell|Fel|Tidigare fyllning", "en": "Sheet|Cell|Error|Previous fill"},
    "kontroll_none": {"sv": "Inga fel.", "en": "No errors."},
    "confirm_sign_off": {
        "sv": "Klarmarkera {unit} i {round}? Därefter kan avdelningen inte lämnas in igen förrän klarmarkeringen återkallas.",
        "en": "Sign off {unit} in {round}? The department can then not be resubmitted until the sign-off is withdrawn."},
    "confirm_withdraw": {
        "sv": "Återkalla klarmarkeringen av {unit} i {round}?",
        "en": "Withdraw the sign-off of {unit} in {round}?"},
    "confirm_approve": {
        "sv": "Godkänn {unit} i {round} enligt sammanställningen version {version}?",
        "en": "Approve {unit} in {round} as in the consolidated workbook, version {version}?"},
    "ask_reason": {
        "sv": "Varför avslås {unit}? Ekonomen ser orsaken.",
        "en": "Why is {unit} rejected? The economist sees the reason."},
    "no_reason": {
        "sv": "Inget avslag: ange en orsak.",
        "en": "Nothing rejected: give a reason."},
    "pick_department": {
        "sv": "Vilken avdelning i {unit} ska avslås?",
        "en": "Which department of {unit} is rejected?"},
    "done": {"sv": "Klart.\n{steps}", "en": "Done.\n{steps}"},
    "pick": {"sv": "{title}\n\n{options}\n\nSkriv numret:", "en": "{title}\n\n{options}\n\nType the number:"},
    "bad_pick": {
        "sv": "Skriv ett nummer mellan 1 och {count}.",
        "en": "Type a number between 1 and {count}."},
    "pick_task": {"sv": "Mina uppgifter", "en": "My tasks"},
    "no_tasks": {"sv": "Inget väntar på dig just nu.", "en": "Nothing waits for you now."},
    "overdue": {"sv": "FÖRSENAD", "en": "OVERDUE"},
    "pick_template": {"sv": "Vilken mall vill du hämta?", "en": "Which template do you want?"},
    "no_templates": {
        "sv": "Det finns ingen öppen omgång med en avdelning du arbetar med.",
        "en": "There is no open round with a department you work on."},
    "pick_unit": {"sv": "Vilken omgång och enhet?", "en": "Which round and unit?"},
    "no_units": {
        "sv": "Du har ingen roll på någon enhet i en öppen eller stängd omgång.",
        "en": "You hold no role on a unit in an open or closed round."},
    "status_line": {"sv": "{code} {name}: {label}", "en": "{code} {name}: {label}"},
    "rejected_because": {"sv": "avslag: {reason}", "en": "rejected: {reason}"},
    "ask_server": {
        "sv": "Serverns adress, till exempel https://planering.exempel.se/api/v1:",
        "en": "The server's address, for example https://planning.example.org/api/v1:"},
    "ask_token": {
        "sv": "Din nyckel (token) från systemansvarig. Lämna tomt för att behålla den du har:",
        "en": "Your token from the system administrator. Leave empty to keep the one you have:"},
    "signed_in": {
        "sv": "Inställningarna är sparade. Inloggad som {name} ({username}); roller: {roles}.",
        "en": "The settings are saved. Signed in as {name} ({username}); roles: {roles}."},
    "saved_but": {
        "sv": "Inställningarna är sparade, men servern kunde inte nås med dem: {error}",
        "en": "The settings are saved, but the server could not be reached with them: {error}"},
    "unexpected": {
        "sv": "Något oväntat gick fel i tillägget Planering: {error}",
        "en": "Something unexpected went wrong in the Planning add-in: {error}"},
    "unknown_button": {"sv": "Okänd knapp: {button}", "en": "Unknown button: {button}"},
}

STATES = {
    "not_started": {"sv": "Ej påbörjad", "en": "Not started"},
    "in_progress": {"sv": "Pågår", "en": "In progress"},
    "economist_approved": {"sv": "Klarmarkerad av ekonom", "en": "Signed off by the economist"},
    "head_approved": {"sv": "Godkänd av avdelningschef", "en": "Approved by the department head"},
    "group_approved": {"sv": "Godkänd av dekan/förvaltningschef", "en": "Approved by the dean/head of administration"},
    "university_approved": {"sv": "Godkänd av universitetsnivån", "en": "Approved by the university level"},
}


def language_of(language_id: int | None) -> str:
    """Return "en" for an English Excel and "sv" for every other language."""
    return "en" if language_id is not None and language_id & 0x3FF == PRIMARY_ENGLISH else "sv"


def text(key: str, language: str, **values: object) -> str:
    """Return a text in the language, with the values filled in."""
    return TEXTS[key][language].format(**values)


def state_label(state: str, language: str) -> str:
    """Return a department state's label; an unknown state as it is."""
    return STATES.get(state, {}).get(language, state)


def money(amount: object, language: str) -> str:
    """Format a decimal string from the service as Swedish (1 250 000,50) or English (1,250,000.50) kronor."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    english = f"{value:,.2f}"
    if language == "en":
        return english
    return english.replace(",", "\u00a0").replace(".", ",")
