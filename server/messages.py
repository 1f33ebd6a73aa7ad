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
        "sv": "Månadsbelopp är ifyllda men fördelningen är {chosen}. Välj Egna månader eller töm månaderna.",
        "en": "Monthly amounts are filled in but the distribution key is {chosen}. Choose Egna månader or clear the months.",
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
    "activity_removed": {
        "sv": "Verksamheten '{value}' finns inte längre för {unit}. Lämna raden tom, eller hämta den nya mallen och för över dina siffror.",
        "en": "The activity '{value}' no longer exists for {unit}. Leave the row empty, or download the new template and copy your figures over.",
    },
    "account_no_longer_planned": {
        "sv": "Kontot '{value}' budgeteras inte längre. Lämna raden tom, eller hämta den nya mallen och för över dina siffror.",
        "en": "The account '{value}' is no longer planned. Leave the row empty, or download the new template and copy your figures over.",
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
    "invalid_idempotency_key": {
        "sv": "Rubriken Idempotency-Key ska vara 1–255 synliga ASCII-tecken, till exempel ett UUID.",
        "en": "The Idempotency-Key header must be 1–255 visible ASCII characters, for example a UUID.",
    },
    "idempotency_key_reused": {
        "sv": "Nyckeln i Idempotency-Key har redan använts med en annan begäran (den första var {method} {path}). Skicka en ny nyckel med en ny begäran.",
        "en": "The Idempotency-Key was already used with another request (the first was {method} {path}). Send a new key with a new request.",
    },
    "idempotency_in_flight": {
        "sv": "Begäran behandlas redan (samma Idempotency-Key). Försök igen om en stund.",
        "en": "The request is already being processed (same Idempotency-Key). Try again in a while.",
    },
    "comment_formula": {
        "sv": "Kommentaren är en formel; skriv den som vanlig text.",
        "en": "The comment is a formula; type it as plain text.",
    },
    "sheet_too_many_cells": {
        "sv": "Bladet {sheet} har celler till rad {rows} och kolumn {cols} ({count} celler); högst {limit} celler läses. Ta bort celler längst ned eller längst till höger på bladet.",
        "en": "The sheet {sheet} has cells up to row {rows} and column {cols} ({count} cells); at most {limit} cells are read. Delete the cells at the bottom or far right of the sheet.",
    },
    "part_too_large": {
        "sv": "Delen {part} i arbetsboken är {size} byte uppackad; med gränsen {max_cells} celler läses högst {limit} byte. Ta bort överflödigt innehåll.",
        "en": "The part {part} of the workbook unpacks to {size} bytes; with the limit of {max_cells} cells at most {limit} bytes are read. Remove surplus content.",
    },
    "too_many_cells": {
        "sv": "Arbetsboken har {count} celler i tabellen; högst {limit} tas emot. Ta bort överflödiga rader.",
        "en": "The workbook has {count} cells in the table; at most {limit} are accepted. Remove surplus rows.",
    },
    # The approval climb
    "locked_for_submission": {
        "sv": "{unit} är {state} och kan inte lämnas in igen. Ekonomen kan återkalla klarmarkeringen så länge avdelningschefen inte har agerat.",
        "en": "{unit} is {state} and cannot be submitted again. The economist can withdraw the sign-off while the department head has not acted.",
    },
    "concurrent_change": {
        "sv": "{unit} ändrades av någon annan i samma ögonblick. Hämta status och försök igen.",
        "en": "{unit} was changed by someone else at the same moment. Fetch the status and try again.",
    },
    "nothing_submitted": {
        "sv": "{unit} har ingen giltig inlämning ännu ({state}); ekonomen måste spara en version först.",
        "en": "{unit} has no valid submission yet ({state}); the economist must store a version first.",
    },
    "already_final": {
        "sv": "{unit} är redan {state}; det finns inget mer att godkänna.",
        "en": "{unit} is already {state}; there is nothing more to approve.",
    },
    "university_acts_on_total": {
        "sv": "{unit} väntar på universitetsnivån, som godkänner hela universitetets total på en gång, inte en avdelning i taget.",
        "en": "{unit} waits for the university level, which approves the university's total at once, not one department at a time.",
    },
    "waiting_for_level": {
        "sv": "{unit} är {state} och väntar på {level}; det är inte ditt steg nu.",
        "en": "{unit} is {state} and waits for the step '{level}'; it is not your step now.",
    },
    "departments_not_ready": {
        "sv": "{unit} kan inte godkännas än: {count} avdelningar är inte {needed}: {units}.",
        "en": "{unit} cannot be approved yet: {count} departments are not '{needed}': {units}.",
    },
    "board_decision_missing": {
        "sv": "Universitetsstyrelsens beslut om budgeten är inte registrerat för {round}; processansvarig registrerar datum och diarienummer först.",
        "en": "The university board's decision on the budget is not recorded for {round}; the process administrator records its date and reference first.",
    },
    "stale_consolidated": {
        "sv": "Du granskade version {found} av sammanställningen för {unit}, men underlaget har ändrats sedan dess. Hämta sammanställningen igen och granska den nya versionen.",
        "en": "You reviewed version {found} of the consolidated workbook for {unit}, but what it shows has changed since. Fetch the consolidated workbook again and review the new version.",
    },
    "reject_a_department": {
        "sv": "Avslå en avdelning i taget; {unit} är ingen avdelning.",
        "en": "Reject one department at a time; {unit} is not a department.",
    },
    "reject_needs_reason": {
        "sv": "Ange ett skäl till avslaget; ekonomen ser det.",
        "en": "Give a reason for the rejection; the economist sees it.",
    },
    "nothing_to_reject": {
        "sv": "{unit} är {state} och väntar inte på dig; du kan inte avslå den nu.",
        "en": "{unit} is {state} and does not wait for you; you cannot reject it now.",
    },
    "withdraw_too_late": {
        "sv": "{unit} är redan {state}; klarmarkeringen kan inte återkallas. Bara ett avslag uppifrån öppnar den igen.",
        "en": "{unit} is already {state}; the sign-off cannot be withdrawn. Only a rejection from above reopens it.",
    },
    "nothing_to_withdraw": {
        "sv": "{unit} är inte klarmarkerad ({state}); det finns inget att återkalla.",
        "en": "{unit} is not signed off ({state}); there is nothing to withdraw.",
    },
    "already_open": {
        "sv": "{unit} är redan öppen för ekonomen ({state}).",
        "en": "{unit} is already open for the economist ({state}).",
    },
    "invalid_action": {
        "sv": "Åtgärden '{action}' finns inte; använd approve, reject eller withdraw.",
        "en": "The action '{action}' does not exist; use approve, reject or withdraw.",
    },
    "deputy_needs_role": {
        "sv": "Du har inte rollen {role} på {unit} och kan därför inte utse en ersättare för den.",
        "en": "You do not hold the role {role} on {unit} and so cannot name a deputy for it.",
    },
    "deputy_dates": {
        "sv": "Perioden för ersättaren måste börja senast när den slutar ({start} – {end}).",
        "en": "The deputy's period must start no later than it ends ({start} – {end}).",
    },
    "deputy_self": {
        "sv": "Du kan inte vara din egen ersättare.",
        "en": "You cannot be your own deputy.",
    },
    "backup_sqlite_only": {
        "sv": "planround säkerhetskopierar bara SQLite-databaser; för {backend} används databasens egna verktyg (pg_dump, se README).",
        "en": "planround backs up SQLite databases only; for {backend} use the database's own tools (pg_dump, see the README).",
    },
    "backup_missing": {
        "sv": "Filen {path} finns inte.",
        "en": "The file {path} does not exist.",
    },
    "backup_not_sqlite": {
        "sv": "{path} är ingen SQLite-databas; inget återställdes.",
        "en": "{path} is not a SQLite database; nothing was restored.",
    },
    "too_many_failures": {
        "sv": "För många misslyckade inloggningar från din adress. Vänta {seconds} sekunder och kontrollera din token.",
        "en": "Too many failed sign-ins from your address. Wait {seconds} seconds and check your token.",
    },
    "no_template_issued": {
        "sv": "Ingen mall har skapats för {unit} i {round}. Be processansvarig att skapa mallarna.",
        "en": "No template has been generated for {unit} in {round}. Ask the process administrator to generate the templates.",
    },
    # Reference data and UBW actuals loaded from CSV files (server/reference.py, server/ubw.py)
    "load_failed": {
        "sv": "Filen {file} innehåller {count} fel och lästes inte in; ingenting ändrades. Rätta raderna som anges och läs in filen igen.",
        "en": "The file {file} has {count} errors and was not loaded; nothing changed. Correct the lines listed and load the file again.",
    },
    "load_more_problems": {
        "sv": "{file}: ytterligare {more} fel visas inte. Rätta de visade felen och läs in filen igen.",
        "en": "{file}: {more} more errors are not shown. Correct the errors shown and load the file again.",
    },
    "file_unreadable": {
        "sv": "Filen {file} kunde inte läsas ({detail}). Kontrollera sökvägen och försök igen.",
        "en": "The file {file} could not be read ({detail}). Check the path and try again.",
    },
    "file_encoding": {
        "sv": "{file}: filen är varken UTF-8 eller Windows-1252. Spara den i Excel som CSV UTF-8 (semikolonavgränsad) och försök igen.",
        "en": "{file}: the file is neither UTF-8 nor Windows-1252. Save it from Excel as CSV UTF-8 (semicolon separated) and try again.",
    },
    "file_empty": {
        "sv": "{file}: filen är tom. Första raden ska vara rubrikraden {expected}.",
        "en": "{file}: the file is empty. The first line must be the header {expected}.",
    },
    "file_missing_columns": {
        "sv": "{file}, rad 1: kolumnerna {missing} saknas i rubrikraden. Rubrikraden ska vara {expected}, avgränsad med semikolon.",
        "en": "{file}, line 1: the header lacks the columns {missing}. The header must be {expected}, separated by semicolons.",
    },
    "file_duplicate_column": {
        "sv": "{file}, rad 1: kolumnen {column} står flera gånger i rubrikraden. Ta bort dubbletten.",
        "en": "{file}, line 1: the column {column} appears more than once in the header. Remove the duplicate.",
    },
    "line_column_count": {
        "sv": "{file}, rad {line}: raden har {found} fält men rubrikraden har {expected}. Kontrollera semikolonen; text med semikolon ska stå inom citattecken.",
        "en": "{file}, line {line}: the line has {found} fields but the header has {expected}. Check the semicolons; text containing a semicolon must be quoted.",
    },
    "field_required": {
        "sv": "{file}, rad {line}: kolumnen {column} är tom. Fyll i ett värde.",
        "en": "{file}, line {line}: the column {column} is empty. Fill in a value.",
    },
    "field_too_long": {
        "sv": "{file}, rad {line}: värdet i kolumnen {column} är för långt (högst {limit} tecken). Korta det.",
        "en": "{file}, line {line}: the value in the column {column} is too long (at most {limit} characters). Shorten it.",
    },
    "unit_duplicate": {
        "sv": "{file}, rad {line}: enhetskoden {unit} står redan på rad {first}. Varje enhet ska stå på en enda rad.",
        "en": "{file}, line {line}: the unit code {unit} already appears on line {first}. Each unit belongs on one line only.",
    },
    "unit_kind_unknown": {
        "sv": "{file}, rad {line}: enhetstypen {kind} finns inte. Använd en av: {allowed}.",
        "en": "{file}, line {line}: the unit kind {kind} does not exist. Use one of: {allowed}.",
    },
    "unit_parent_unknown": {
        "sv": "{file}, rad {line}: den överordnade enheten {parent} finns varken i filen eller i systemet. Rätta koden i kolumnen parent eller lägg till enheten.",
        "en": "{file}, line {line}: the parent unit {parent} is neither in the file nor in the system. Correct the code in the column parent or add the unit.",
    },
    "unit_parent_missing": {
        "sv": "{file}, rad {line}: {unit} är av typen {kind} och måste ha en överordnad enhet av typen {expected}. Fyll i kolumnen parent.",
        "en": "{file}, line {line}: {unit} is of kind {kind} and needs a parent of kind {expected}. Fill in the column parent.",
    },
    "unit_parent_kind": {
        "sv": "{file}, rad {line}: {unit} är av typen {kind} och ska ligga under en enhet av typen {expected}, men {parent} är av typen {parent_kind}. Rätta kolumnen parent.",
        "en": "{file}, line {line}: {unit} is of kind {kind} and belongs under a unit of kind {expected}, but {parent} is of kind {parent_kind}. Correct the column parent.",
    },
    "unit_university_parent": {
        "sv": "{file}, rad {line}: universitetet {unit} är organisationens topp och ska inte ha någon överordnad enhet. Lämna kolumnen parent tom.",
        "en": "{file}, line {line}: the university {unit} is the top of the organisation and has no parent. Leave the column parent empty.",
    },
    "unit_second_university": {
        "sv": "{file}, rad {line}: det finns redan ett universitet ({other}); det får bara finnas ett. Använd samma kod eller ändra typen.",
        "en": "{file}, line {line}: there is already a university ({other}); there can be only one. Use the same code or change the kind.",
    },
    "unit_child_orphaned": {
        "sv": "{file}: enheten {unit}, som inte står i filen, ligger under {parent} som då skulle bli av typen {parent_kind}; {unit} måste ligga under {expected}. Ta med {unit} i filen med rätt överordnad enhet.",
        "en": "{file}: the unit {unit}, not in the file, sits under {parent}, which would become of kind {parent_kind}; {unit} must sit under {expected}. Add {unit} to the file with the right parent.",
    },
    "activity_duplicate": {
        "sv": "{file}, rad {line}: verksamheten {activity} för {unit} står redan på rad {first}. Ta bort dubbletten.",
        "en": "{file}, line {line}: the activity {activity} of {unit} already appears on line {first}. Remove the duplicate.",
    },
    "activity_unit_unknown": {
        "sv": "{file}, rad {line}: enheten {unit} finns varken i organisationsfilen eller i systemet. Rätta koden eller lägg till enheten.",
        "en": "{file}, line {line}: the unit {unit} is neither in the organisation file nor in the system. Correct the code or add the unit.",
    },
    "activity_unit_not_department": {
        "sv": "{file}, rad {line}: verksamheter hör till avdelningar, men {unit} är av typen {kind}. Ange en avdelning.",
        "en": "{file}, line {line}: activities belong to departments, but {unit} is of kind {kind}. Give a department.",
    },
    "activity_category_unknown": {
        "sv": "{file}, rad {line}: kategorin {category} finns inte. Använd en av: {allowed}.",
        "en": "{file}, line {line}: the category {category} does not exist. Use one of: {allowed}.",
    },
    "activity_in_use": {
        "sv": "{file}: verksamheten {activity} för {unit} saknas i filen men har utfall eller budgetrader och kan inte tas bort. Lägg tillbaka raden för {unit};{activity} i filen.",
        "en": "{file}: the activity {activity} of {unit} is missing from the file but has actuals or budget lines and cannot be removed. Put the line for {unit};{activity} back in the file.",
    },
    "account_duplicate": {
        "sv": "{file}, rad {line}: kontot {account} står redan på rad {first}. Ta bort dubbletten.",
        "en": "{file}, line {line}: the account {account} already appears on line {first}. Remove the duplicate.",
    },
    "account_group_unknown": {
        "sv": "{file}, rad {line}: kontogruppen {group} finns inte. Använd en av: {allowed}.",
        "en": "{file}, line {line}: the account group {group} does not exist. Use one of: {allowed}.",
    },
    "account_plannable_invalid": {
        "sv": "{file}, rad {line}: plannable ska vara 1 (budgeteras) eller 0 (budgeteras inte), inte {value}.",
        "en": "{file}, line {line}: plannable must be 1 (planned) or 0 (not planned), not {value}.",
    },
    "user_username_invalid": {
        "sv": "{file}, rad {line}: användarnamnet {username} är ogiltigt. Använd små bokstäver a-z, siffror, punkt, bindestreck eller understreck.",
        "en": "{file}, line {line}: the username {username} is invalid. Use lower-case letters a-z, digits, dot, hyphen or underscore.",
    },
    "user_email_invalid": {
        "sv": "{file}, rad {line}: e-postadressen {email} är ogiltig. Rätta den eller lämna fältet tomt.",
        "en": "{file}, line {line}: the e-mail address {email} is invalid. Correct it or leave the field empty.",
    },
    "user_language_invalid": {
        "sv": "{file}, rad {line}: språket {language} stöds inte. Använd sv eller en.",
        "en": "{file}, line {line}: the language {language} is not supported. Use sv or en.",
    },
    "user_role_unknown": {
        "sv": "{file}, rad {line}: rollen {role} finns inte. Använd en av: {allowed}.",
        "en": "{file}, line {line}: the role {role} does not exist. Use one of: {allowed}.",
    },
    "user_unit_unknown": {
        "sv": "{file}, rad {line}: enheten {unit} finns inte. Rätta koden eller läs in organisationen först.",
        "en": "{file}, line {line}: the unit {unit} does not exist. Correct the code or load the organisation first.",
    },
    "user_role_unit_kind": {
        "sv": "{file}, rad {line}: rollen {role} kan bara ges på en enhet av typen {expected}, men {unit} är av typen {kind}. Rätta enheten eller rollen.",
        "en": "{file}, line {line}: the role {role} can only be held on a unit of kind {expected}, but {unit} is of kind {kind}. Correct the unit or the role.",
    },
    "role_change_unapproved": {
        "sv": "Filen {file} ändrar {count} rolltilldelningar och lästes inte in; ingenting ändrades. Behörighetsstrukturer godkänns av systemägaren: ange vem som godkänt ändringen (--approved-by).",
        "en": "The file {file} changes {count} role assignments and was not loaded; nothing changed. The system owner approves role structures: name who approved the change (--approved-by).",
    },
    "role_change_not_owner": {
        "sv": "{username} är inte systemägare och kan inte godkänna behörighetsändringar; ingenting ändrades. Systemägare: {owners}.",
        "en": "{username} is not the system owner and cannot approve changes of roles; nothing changed. System owner: {owners}.",
    },
    "role_change_no_owner_yet": {
        "sv": "Det finns ännu ingen systemägare, så den som godkänner ({username}) måste få rollen system_owner på universitetet i samma fil; ingenting ändrades.",
        "en": "There is no system owner yet, so the approver ({username}) must be given the role system_owner on the university in the same file; nothing changed.",
    },
    "user_role_duplicate": {
        "sv": "{file}, rad {line}: {username} har redan rollen {role} på {unit} (rad {first}). Ta bort dubbletten.",
        "en": "{file}, line {line}: {username} already holds the role {role} on {unit} (line {first}). Remove the duplicate.",
    },
    "user_details_conflict": {
        "sv": "{file}, rad {line}: {username} har ett annat värde i kolumnen {column} än på rad {first}. Alla rader för samma användare ska ha samma namn, e-post och språk.",
        "en": "{file}, line {line}: {username} has another value in the column {column} than on line {first}. All lines of one user must have the same name, e-mail and language.",
    },
    "ubw_period_invalid": {
        "sv": "{file}, rad {line}: perioden {period} är ogiltig. Ange år och månad som ÅÅÅÅMM, till exempel 202601.",
        "en": "{file}, line {line}: the period {period} is invalid. Give year and month as YYYYMM, for example 202601.",
    },
    "ubw_amount_invalid": {
        "sv": "{file}, rad {line}: beloppet {amount} är ogiltigt. Ange kronor med decimalkomma och högst två decimaler, till exempel -1 234,50.",
        "en": "{file}, line {line}: the amount {amount} is invalid. Give kronor with a decimal comma and at most two decimals, for example -1 234,50.",
    },
    "ubw_account_unknown": {
        "sv": "{file}, rad {line}: kontot {account} finns inte i kontoplanen. Läs in kontoplanen eller rätta kontot.",
        "en": "{file}, line {line}: the account {account} is not in the chart of accounts. Load the chart or correct the account.",
    },
    "ubw_department_unknown": {
        "sv": "{file}, rad {line}: avdelningen {department} finns inte. Läs in organisationen eller rätta koden.",
        "en": "{file}, line {line}: the department {department} does not exist. Load the organisation or correct the code.",
    },
    "ubw_not_department": {
        "sv": "{file}, rad {line}: {department} är ingen avdelning utan av typen {kind}. Utfall bokförs på avdelningar.",
        "en": "{file}, line {line}: {department} is not a department but of kind {kind}. Actuals are booked on departments.",
    },
    "ubw_activity_unknown": {
        "sv": "{file}, rad {line}: verksamheten {activity} finns inte för avdelningen {department}. Läs in verksamheterna eller rätta koden.",
        "en": "{file}, line {line}: the activity {activity} does not exist for the department {department}. Load the activities or correct the code.",
    },
    "load_result": {
        "sv": "{files}: {lines} rader lästa; {created} nya, {updated} ändrade, {removed} borttagna, {unchanged} oförändrade.",
        "en": "{files}: {lines} lines read; {created} new, {updated} changed, {removed} removed, {unchanged} unchanged.",
    },
    "ubw_result": {
        "sv": "{file}: {lines} rader utfall för {periods} perioder ({first}-{last}); {replaced} tidigare rader ersattes; summa {total} kr.",
        "en": "{file}: {lines} lines of actuals for {periods} periods ({first}-{last}); {replaced} earlier rows replaced; total {total} kr.",
    },
    # Finding the layout of a template or master workbook (reader and generator)
    "sheet_missing": {
        "sv": "Bladet {sheet} saknas i arbetsboken. Hämta mallen på nytt och för över dina siffror.",
        "en": "The sheet {sheet} is missing from the workbook. Download the template again and copy your figures over.",
    },
    "table_missing": {
        "sv": "Tabellen {table} saknas på bladet {sheet}. Ta inte bort eller konvertera tabellen; hämta mallen på nytt.",
        "en": "The table {table} is missing on the sheet {sheet}. Do not delete or convert the table; download the template again.",
    },
    "table_column_missing": {
        "sv": "Kolumnen {column} saknas i tabellen {table}. Ta inte bort kolumner; hämta mallen på nytt.",
        "en": "The column {column} is missing from the table {table}. Do not delete columns; download the template again.",
    },
    "table_column_renamed": {
        "sv": "Kolumnrubriken {found} ska vara {expected}. Skriv tillbaka den ursprungliga rubriken.",
        "en": "The column header {found} should be {expected}. Put the original header back.",
    },
    "meta_sheet_missing": {
        "sv": "Det dolda bladet {sheet} saknas, så arbetsboken kan inte kännas igen som en mall. Hämta mallen på nytt.",
        "en": "The hidden sheet {sheet} is missing, so the workbook cannot be recognised as a template. Download the template again.",
    },
    "defined_name_missing": {
        "sv": "Namnet {name} saknas i huvudmallen eller pekar inte på en enda cell. Lägg tillbaka det i Namnhanteraren.",
        "en": "The name {name} is missing from the master template or does not point at a single cell. Restore it in the Name Manager.",
    },
    "not_consolidated_workbook": {
        "sv": "Filen är ingen sammanställning från planround: det dolda bladet _meta saknas eller är ändrat. Hämta sammanställningen på nytt.",
        "en": "The file is not a planround consolidated workbook: the hidden sheet _meta is missing or changed. Download the consolidated workbook again.",
    },
    # Forecast rounds (prognos)
    "budget_template_in_forecast_round": {
        "sv": "Arbetsboken är en budgetmall, men omgången {round} är en prognos. Hämta prognosmallen för omgången och fyll i den.",
        "en": "The workbook is a budget template, but the round {round} is a forecast. Download the round's forecast template and fill it in.",
    },
    "forecast_template_in_budget_round": {
        "sv": "Arbetsboken är en prognosmall, men omgången {round} är en budget. Hämta budgetmallen för omgången och fyll i den.",
        "en": "The workbook is a forecast template, but the round {round} is a budget. Download the round's budget template and fill it in.",
    },
    "forecast_missing": {
        "sv": "Helårsprognos saknas på en rad med budget {budget} kr och utfall hittills {actual} kr. Skriv en prognos för helåret (utfallet hittills om inget mer väntas).",
        "en": "The full-year forecast is missing on a line with a budget of {budget} kr and an actual to date of {actual} kr. Enter a forecast for the whole year (the actual to date if nothing more is expected).",
    },
    "forecast_year_closed": {
        "sv": "Årets alla månader är stängda, så helårsprognosen måste vara lika med utfallet hittills, {actual} kr.",
        "en": "Every month of the year is closed, so the full-year forecast must equal the actual to date, {actual} kr.",
    },
    "forecast_comment_required": {
        "sv": "Prognosen avviker från budget med {change} kr ({pct} %). Över {threshold_pct} % och {threshold_amount} kr krävs en kommentar.",
        "en": "The forecast deviates from the budget by {change} kr ({pct} %). Above {threshold_pct} % and {threshold_amount} kr a comment is required.",
    },
    # Follow-up (uppföljning)
    "followup_through_invalid": {
        "sv": "Fältet 'through' är felaktigt: {value}. Ange en månad i budgetåret {year} som ÅÅÅÅ-MM, till exempel {year}-03.",
        "en": "The field 'through' is invalid: {value}. Give a month of the fiscal year {year} as YYYY-MM, for example {year}-03.",
    },
    # The nightly UBW load (server/ubw.py, `planround import ubw`)
    "ubw_quarantined": {
        "sv": "{count} felaktiga rader lästes inte in utan skrevs till karantänrapporten {report}.",
        "en": "{count} faulty lines were not loaded but written to the quarantine report {report}.",
    },
    "ubw_file_changed": {
        "sv": "Filen {file} ändrades medan den lästes in; ingenting ändrades. Vänta tills exporten är klar och läs in filen igen.",
        "en": "The file {file} changed while it was being loaded; nothing changed. Wait until the export is complete and load the file again.",
    },
    "ubw_progress_check": {"sv": "Kontrollerar {file}", "en": "Checking {file}"},
    "ubw_progress_load": {"sv": "Läser in {file}", "en": "Loading {file}"},
    "ubw_source_required": {
        "sv": "Ange antingen en fil eller --from-dir MAPP, inte båda.",
        "en": "Give either a file or --from-dir FOLDER, not both.",
    },
    "ubw_quarantine_in_folder": {
        "sv": "Karantänrapporten får inte ligga i {directory}: där skulle den läsas in som en ny export. Välj en annan mapp.",
        "en": "The quarantine report must not be in {directory}: it would be loaded as a new export there. Choose another folder.",
    },
    "ubw_nothing_new": {
        "sv": "Ingen ny fil att läsa in i {directory}; ingenting ändrades.",
        "en": "No new file to load in {directory}; nothing changed.",
    },
    "ubw_picked": {
        "sv": "Läser in {file} från {directory}.",
        "en": "Loading {file} from {directory}.",
    },
    "ubw_older_left": {
        "sv": "Äldre olästa filer i {directory} läses inte in och ligger kvar: {files}. Den nyaste exporten ersätter perioderna den innehåller; läs in en äldre fil för hand om den har perioder som saknas, och flytta den sedan.",
        "en": "Older unloaded files in {directory} are not loaded and stay there: {files}. The newest export replaces the periods it holds; load an older file by hand if it has periods that are missing, then move it away.",
    },
    "ubw_left_in_place": {
        "sv": "{file} lästes inte in och ligger kvar i {directory}; tidigare utfall är orörda. Orsak: {reason}",
        "en": "{file} was not loaded and stays in {directory}; earlier actuals are untouched. Reason: {reason}",
    },
    "ubw_archived": {
        "sv": "{file} är inläst och flyttad till {target}.",
        "en": "{file} is loaded and moved to {target}.",
    },
    "ubw_archive_failed": {
        "sv": "{file} är inläst men kunde inte flyttas till {archive} ({reason}). Flytta den för hand; läses den in igen ändras ingenting.",
        "en": "{file} is loaded but could not be moved to {archive} ({reason}). Move it by hand; loading it again changes nothing.",
    },
    # Personnel from Primula (primula.py) and the Personal sheet (personnel_sheet.py, personnel_checks.py)
    "personnel_duplicate": {
        "sv": "{file}, rad {line}: anställningsnummer {employee} finns redan på rad {first}.",
        "en": "{file}, line {line}: employee number {employee} is already on line {first}.",
    },
    "personnel_rate_invalid": {
        "sv": "{file}, rad {line}: sysselsättningsgraden '{value}' ska vara procent från 0 till 100 med decimalkomma och högst två decimaler, till exempel 37,5.",
        "en": "{file}, line {line}: the employment rate '{value}' must be a percentage from 0 to 100 with a decimal comma and at most two decimals, for example 37,5.",
    },
    "personnel_salary_invalid": {
        "sv": "{file}, rad {line}: månadslönen '{value}' ska vara kronor, 0 eller mer, med decimalkomma och högst två decimaler, till exempel 42 500,00.",
        "en": "{file}, line {line}: the monthly salary '{value}' must be kronor, 0 or more, with a decimal comma and at most two decimals, for example 42 500,00.",
    },
    "personnel_department_unknown": {
        "sv": "{file}, rad {line}: avdelningen {department} finns inte i organisationen.",
        "en": "{file}, line {line}: the department {department} is not in the organisation.",
    },
    "personnel_not_department": {
        "sv": "{file}, rad {line}: {department} är av typen {kind}; personal hör till en avdelning.",
        "en": "{file}, line {line}: {department} is of kind {kind}; staff belong to a department.",
    },
    "personnel_funding_invalid": {
        "sv": "{file}, rad {line}: finansieringen '{part}' ska skrivas VERKSAMHET:andel, till exempel GRU:60|FOR:40, med andelar över 0.",
        "en": "{file}, line {line}: the funding '{part}' must be written ACTIVITY:share, for example GRU:60|FOR:40, with shares above 0.",
    },
    "personnel_activity_unknown": {
        "sv": "{file}, rad {line}: verksamheten {activity} finns inte för avdelningen {department}.",
        "en": "{file}, line {line}: the activity {activity} does not exist for the department {department}.",
    },
    "personnel_funding_repeated": {
        "sv": "{file}, rad {line}: verksamheten {activity} förekommer två gånger i finansieringen.",
        "en": "{file}, line {line}: the activity {activity} appears twice in the funding.",
    },
    "personnel_shares_sum": {
        "sv": "{file}, rad {line}: finansieringens andelar summerar till {total} %; de ska summera till 100 %.",
        "en": "{file}, line {line}: the funding shares add up to {total} %; they must add up to 100 %.",
    },
    "personnel_account_missing": {
        "sv": "Konto {account}, som personalkostnader bokförs på, saknas i kontoplanen eller planeras inte. Lägg till det innan mallarna skapas.",
        "en": "The account {account}, on which personnel costs are booked, is missing from the chart or not planned. Add it before generating templates.",
    },
    "personnel_rows_removed": {
        "sv": "Tabellen på bladet Personal har {found} rader men mallen hade {expected} anställda. Ta inte bort rader; hämta mallen på nytt.",
        "en": "The table on the Personal sheet has {found} rows but the template had {expected} employees. Do not delete rows; download the template again.",
    },
    "personnel_rate_cell_invalid": {
        "sv": "Omfattningen {value} ska vara procent från 0 till 100 med högst två decimaler.",
        "en": "The rate {value} must be a percentage from 0 to 100 with at most two decimals.",
    },
    "personnel_salary_cell_invalid": {
        "sv": "Månadslönen {value} ska vara kronor, 0 eller mer, med högst två decimaler.",
        "en": "The monthly salary {value} must be kronor, 0 or more, with at most two decimals.",
    },
    "personnel_share_cell_invalid": {
        "sv": "Andelen {value} ska vara procent från 0 till 100 med högst två decimaler.",
        "en": "The share {value} must be a percentage from 0 to 100 with at most two decimals.",
    },
    "personnel_month_invalid": {
        "sv": "Månaden {value} ska vara ett heltal från 1 (januari) till 12 (december).",
        "en": "The month {value} must be a whole number from 1 (January) to 12 (December).",
    },
    "personnel_months_order": {
        "sv": "Till månad ({end}) ligger före från månad ({start}).",
        "en": "The to month ({end}) is before the from month ({start}).",
    },
    "personnel_hire_missing": {
        "sv": "{column} saknas för den planerade nyanställningen. Fyll i namn eller roll, planerad omfattning, månadslön och andelar.",
        "en": "{column} is missing for the planned hire. Fill in a name or role, the planned rate, the monthly salary and the shares.",
    },
    "personnel_hire_shares_sum": {
        "sv": "Andelarna på raden summerar till {total} %; de ska summera till 100 %.",
        "en": "The shares on the row add up to {total} %; they must add up to 100 %.",
    },
    "account_computed_from_personnel": {
        "sv": "Konto {account} beräknas från bladet Personal och kan inte läggas till här. Planera personalen på bladet Personal.",
        "en": "The account {account} is computed from the Personal sheet and cannot be added here. Plan the staff on the Personal sheet.",
    },
    # Stina's price list, student revenue and Retendo's staffing (server/stina.py, students.py, retendo.py, staffing.py)
    "price_duplicate": {
        "sv": "{file}, rad {line}: utbildningsområdet {area} för {year} står redan på rad {first}. Varje år och område ska stå på en enda rad.",
        "en": "{file}, line {line}: the education area {area} for {year} already appears on line {first}. Each year and area belongs on one line only.",
    },
    "price_year_invalid": {
        "sv": "{file}, rad {line}: året {year} är ogiltigt. Ange ett år med fyra siffror, till exempel 2027.",
        "en": "{file}, line {line}: the year {year} is invalid. Give a year of four digits, for example 2027.",
    },
    "price_invalid": {
        "sv": "{file}, rad {line}: priset {value} i kolumnen {column} är ogiltigt. Ange kronor med decimalkomma, högst två decimaler och inte negativt, till exempel 35 210,00.",
        "en": "{file}, line {line}: the price {value} in the column {column} is invalid. Give kronor with a decimal comma, at most two decimals and not negative, for example 35 210,00.",
    },
    "price_account_not_revenue": {
        "sv": "{file}, rad {line}: kontot {account} är inget intäktskonto i kontoplanen. Ange kontot för anslag utbildning, till exempel 3011.",
        "en": "{file}, line {line}: the account {account} is no revenue account of the chart. Give the account for education appropriations, for example 3011.",
    },
    "course_duplicate": {
        "sv": "{file}, rad {line}: kursen {course} på {unit} står redan på rad {first}. En kurs hör till en enda verksamhet.",
        "en": "{file}, line {line}: the course {course} of {unit} already appears on line {first}. A course belongs to one activity only.",
    },
    "course_activity_unknown": {
        "sv": "{file}, rad {line}: verksamheten {activity} finns inte för {unit}. Läs in verksamheterna eller rätta koden.",
        "en": "{file}, line {line}: the activity {activity} does not exist for {unit}. Load the activities or correct the code.",
    },
    "sheet_too_large": {
        "sv": "Bladet {sheet} är för stort: högst {max_rows} rader och {max_cols} kolumner läses (det har celler till rad {rows}, kolumn {cols}).",
        "en": "The sheet {sheet} is too large: at most {max_rows} rows and {max_cols} columns are read (it has cells up to row {rows}, column {cols}).",
    },
    "retendo_failed": {
        "sv": "Retendo-filen {file} innehåller {count} fel och lästes inte in; ingenting ändrades. Rätta cellerna som anges och läs in filen igen.",
        "en": "The Retendo file {file} has {count} errors and was not imported; nothing changed. Correct the cells listed and import the file again.",
    },
    "retendo_too_large": {
        "sv": "Retendo-filen {file} är för stor ({size} byte); högst {limit} byte läses. Exportera en institution i taget.",
        "en": "The Retendo file {file} is too large ({size} bytes); at most {limit} bytes are read. Export one department at a time.",
    },
    "retendo_empty": {
        "sv": "Bladet {sheet} är tomt. Exportera lärarnas planering från Retendo som Excel-fil.",
        "en": "The sheet {sheet} is empty. Export the teachers' plan from Retendo as an Excel file.",
    },
    "retendo_columns_missing": {
        "sv": "Rubrikraden (rad {row}) saknar kolumnerna {missing}. Exporten ska ha kolumnerna {expected}.",
        "en": "The header row (row {row}) lacks the columns {missing}. The export must have the columns {expected}.",
    },
    "retendo_cell_error": {
        "sv": "Kolumnen {column} innehåller felvärdet {value}. Rätta cellen i Retendo och exportera igen.",
        "en": "The column {column} holds the error value {value}. Correct the cell in Retendo and export again.",
    },
    "retendo_field_required": {
        "sv": "Kolumnen {column} är tom. Fyll i ett värde.",
        "en": "The column {column} is empty. Fill in a value.",
    },
    "retendo_field_too_long": {
        "sv": "Värdet i kolumnen {column} är för långt (högst {limit} tecken).",
        "en": "The value in the column {column} is too long (at most {limit} characters).",
    },
    "retendo_hours_invalid": {
        "sv": "{value} i kolumnen {column} är inget antal timmar. Ange ett tal mellan 0 och {limit} med högst två decimaler.",
        "en": "{value} in the column {column} is no number of hours. Give a number from 0 to {limit} with at most two decimals.",
    },
    "retendo_share_invalid": {
        "sv": "{value} i kolumnen {column} är ingen andel av heltid. Ange en andel större än 0 och högst 100 %, till exempel 25 % (0,25).",
        "en": "{value} in the column {column} is no share of full time. Give a share above 0 and at most 100 %, for example 25 % (0.25).",
    },
    "retendo_unit_unknown": {
        "sv": "Institutionen {value} finns inte som avdelning. Rätta koden eller läs in organisationen.",
        "en": "The department {value} does not exist. Correct the code or load the organisation.",
    },
    "retendo_employee_unknown": {
        "sv": "anställningsnumret {number} ({teacher}) finns inte bland de anställda från Primula",
        "en": "the employee number {number} ({teacher}) is not among the employees from Primula",
    },
    "retendo_teacher_unknown": {
        "sv": "läraren {teacher} finns inte bland de anställda på {unit}",
        "en": "the teacher {teacher} is not among the employees of {unit}",
    },
    "retendo_teacher_ambiguous": {
        "sv": "flera anställda på {unit} heter {teacher}; ange anställningsnummer i Retendo",
        "en": "several employees of {unit} are called {teacher}; give the employee number in Retendo",
    },
    "retendo_course_unmapped": {
        "sv": "kursen {course} är inte kopplad till någon verksamhet på {unit}",
        "en": "the course {course} is not mapped to any activity of {unit}",
    },
    "retendo_result": {
        "sv": "{file}: {rows} rader bemanning för {units}; {replaced} tidigare rader ersattes; {unmapped} rader saknar koppling.",
        "en": "{file}: {rows} staffing rows for {units}; {replaced} earlier rows replaced; {unmapped} rows do not map.",
    },
    "student_count_negative": {
        "sv": "{column} får inte vara negativt (nu: {value}). Ange 0 eller mer, till exempel 12,5.",
        "en": "{column} must not be negative (now: {value}). Give 0 or more, for example 12.5.",
    },
    "student_area_unknown": {
        "sv": "Utbildningsområdet {area} finns inte i årets prislista. Använd raderna som mallen har.",
        "en": "The education area {area} is not in the year's price list. Use the rows the template has.",
    },
    "student_area_duplicate": {
        "sv": "Utbildningsområdet {area} har redan en rad. Fyll i HST och HPR på den raden.",
        "en": "The education area {area} already has a row. Fill in HST and HPR on that row.",
    },
    "students_no_budget_row": {
        "sv": "Det finns ingen rad för verksamhet {activity} och konto {account} och ingen tom rad att lägga intäkten från bladet Studenter på. Hämta mallen på nytt.",
        "en": "There is no row for activity {activity} and account {account} and no empty row for the revenue from the sheet Studenter. Download the template again.",
    },
    "students_line_differs": {
        "sv": "Konto {account} på verksamhet {activity} beräknas från bladet Studenter till {revenue} kr, men här står {typed} kr. Lämna raden tom (intäkten förs in automatiskt) eller skriv samma belopp.",
        "en": "Account {account} of activity {activity} is computed from the sheet Studenter as {revenue} kr, but {typed} kr is typed here. Leave the line empty (the revenue is filled in) or type the same amount.",
    },
    "staffing_teaching_without_cost": {
        "sv": "Verksamhet {activity} har {hours} planerade undervisningstimmar i Retendo men ingen personalkostnad i budgeten.",
        "en": "Activity {activity} has {hours} planned teaching hours in Retendo but no personnel cost in the budget.",
    },
    "staffing_cost_without_teaching": {
        "sv": "Verksamhet {activity} har personalkostnad {cost} kr i budgeten men ingen planerad undervisning i Retendo.",
        "en": "Activity {activity} has personnel costs of {cost} kr in the budget but no planned teaching in Retendo.",
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
