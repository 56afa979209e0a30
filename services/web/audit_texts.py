"""The auditors' pages' texts (JO, IVO): the replay of what an agency could see at a moment, the disclosure log
and a log built anew, the erased cases, the report, the ledger and its checkpoints, the access log.  Part of
``texts.T``, which the templates read."""

from __future__ import annotations

from services.audit_text import BEYOND_HOLDING

AUDIT_PAGES: dict[str, str] = {
    "audit_title": "Granskning (JO, IVO)", "audit_cases": "Ärenden att granska", "audit_replay": "Återspela",
    "replay_title": "Återspela: vad kunde en aktör se", "replay_agency": "Aktör",
    # The last Sundays of March and October: a clock time of 02:00–03:00 names no instant, or two.
    "moment_changed_clocks": "Klockan visade den tiden två gånger eller inte alls (sommartiden slutade eller "
                             "började): välj en annan tidpunkt, eller ange den med tidsskillnad, t.ex. "
                             "2026-10-25T02:30+01:00.",
    "replay_at": "Tidpunkt (svensk tid)",
    # The command line's --as-of, in the words of the refusal below the box.
    "replay_at_hint": "ÅÅÅÅ-MM-DD (hela dagen) eller ÅÅÅÅ-MM-DD TT:MM (hela minuten), t.ex. 2026-03-03 12:00.",
    "replay_submit": "Återspela", "replay_result": "Synligt för",
    "replay_at_time": "vid",
    "disclosures_title": "Utlämnandelogg", "disclosures_submit": "Visa", "col_change": "Ändring",
    "disclosures_basis_note": "För en uppgift som upphörde är grunden den som gällde till dess; orsaken säger vad som "
                              "fick den att upphöra.",
    "replaced_log": "Utlämnandeloggen byggdes om {when}. Den ersatta loggen – det flödena fick fram till dess, "
                    "byggd under reglernas version {version} och komplett till och med position {up_to} i hela "
                    "installationens händelselogg (inte ärendets händelsenummer) – finns kvar: {rows} om "
                    "ärendet{to}, {only_old} som dagens logg inte har och {only_now} som bara dagens har.",
    "replaced_to": " till {agency}",
    "stored_log_agrees_rebuilt": "Dagens utlämnandelogg – skriven på nytt ur händelserna vid den senaste "
                                 "ombyggnaden, och det flödena fått sedan dess – stämmer med ärendets händelser "
                                 "({n}).",
    "replaced_differences": "Skillnader mot den ersatta loggen",
    "col_only_in": "Finns bara i", "replaced_only_old": "den ersatta loggen", "replaced_only_now": "dagens logg",
    "replaced_erased": "gallrat: nyckeln förstörd", "cause_not_stored": "(ej sparad)",
    # A replaced log built under today's rules is held to the events as today's log is (``stored_log.not_given``):
    # rows the events do not give were added to the live log before a rebuild kept them.  As the report says it.
    "replaced_not_given": "Varning: en utlämnandelogg som byggdes om under dagens regler hade {n} om ärendet som "
                          "ärendets händelser inte ger. Varje sådan rad fanns i loggen vid ombyggnaden och kan ha lästs "
                          "i aktörernas flöden, men inga regler skrev den: den kan ha lagts in i loggen i efterhand. Den "
                          "står nedan under den ersatta loggen.",
    "replaced_other_rules": BEYOND_HOLDING["other_rules"],
    "replaced_other_catalogue": BEYOND_HOLDING["other_catalogue"],
    "replaced_mixed_catalogue": BEYOND_HOLDING["mixed_catalogue"],
    "replaced_held_unread": "Den byggdes under dagens regler, men ärendets händelser läses inte här, så den hålls inte "
                            "mot dem.",
    "replaced_held_later": "Den byggdes under dagens regler, men hålls mot händelserna först när dagens logg stämmer "
                           "med dem.",
    "replaced_held_agrees": "Den byggdes under dagens regler och stämmer med händelserna.",
    "replaced_held_not_given": "Den byggdes under dagens regler, och {n} av dess rader ger händelserna inte ({marked} "
                               "”händelserna ger den inte” nedan).",
    "replaced_not_given_old": "den ersatta loggen – händelserna ger den inte",
    "replaced_not_given_both": "båda loggarna – händelserna ger den inte (ingen tidigare logg visade uppgiften)",
    "erased_case": "(gallrat)",
    "no_single_case": "inget enskilt ärende",
    "erased_title": "Gallrade ärenden",
    "erased_intro": "Ärenden vars nyckel är förstörd: deras händelser går inte längre att läsa, men utlämnandeloggen "
                    "– vilka aktörer som fick vilka slags uppgifter, när och på vilken grund, utan innehåll – "
                    "finns kvar.",
    "col_case_id": "Ärende-id", "col_municipality": "Kommun", "col_erased_at": "Gallrat",
    "col_erasure_decision": "Gallringsbeslut",
    "erasure_undecided": "Inget registrerat beslut: nyckeln förstördes utan kommandot sigill erase",
    "erased_notice": "Ärendet är gallrat: dess nyckel är förstörd och dess händelser går inte längre att läsa, så "
                     "loggen kan inte jämföras med dem. Här står utlämnandeloggen som den är lagrad – det "
                     "aktörernas flöden fick, utan innehåll.",
    "stored_rows": "Lagrad utlämnandelogg",
    "report": "Utskrivbar rapport", "report_back": "Tillbaka till granskningen av ärendet",
    "report_print_hint": "Skriv ut med webbläsarens utskrift (Ctrl+P); den här raden skrivs inte ut.",
    "ledger_title": "Verifiering av liggaren", "ledger_intact": "Liggaren är intakt.",
    # The counts' words for one and for many (the templates' counted filter): "1 kontrollerade händelser" read wrong.
    "ledger_broken": "Liggaren har ändrats!", "ledger_checked_one": "kontrollerad händelse",
    "ledger_checked": "kontrollerade händelser", "ledger_unsealed_one": "ännu inte förseglad",
    "ledger_unsealed": "ännu inte förseglade",
    "ledger_case_is": "Ärendet är", "ledger_case_id": "ärende-id {case_id}; numret ur ärendelistan",
    "ledger_case_unlisted": "Ärendet {case_id} finns inte i ärendelistan (gallrat, eller vyerna ligger efter); dess"
                            " nummer står i dess första händelse, förseglad under ärendets nyckel.",
    # The installation's own checkpoints prove nothing against whoever can rewrite the ledger and them (as the command
    # line and the report say): what proves more is a supervisor's exported copy.
    "ledger_own_checkpoints": "Kontrollen gjordes mot installationens egna kontrollpunkter. Som bevis mot den som kan "
                              "skriva om både liggaren och dem: kontrollera mot kontrollpunkter som "
                              "tillsynsmyndigheten sparat tidigare (formuläret nedan, eller sigill audit verify --checkpoints FIL).",
    "ledger_download": "Ladda ned kontrollpunkter",
    "ledger_download_hint": "Spara filen utanför installationen. En senare kontroll mot den visar att inget före "
                            "kontrollpunkterna har ändrats sedan dess.",
    "checkpoints_title": "Kontrollera mot sparade kontrollpunkter", "kept_file": "Fil med kontrollpunkter",
    "kept_keys": "Betrodda publika nycklar (valfritt, base64, en per rad – från driften, inte ur filen)",
    "checkpoints_submit": "Kontrollera",
    # {checkpoints}: "Den enda kontrollpunkten", "Alla 5 kontrollpunkter" (the all_of filter; a first export holds one).
    "kept_confirmed": "{checkpoints} i filen stämmer med liggaren.",
    "kept_checkpoint_one": "kontrollpunkten", "kept_checkpoints": "kontrollpunkter",
    "kept_confirmed_gone": "Varav {count} inte längre finns bland installationens egna kontrollpunkter.",
    "kept_broken": "Liggaren stämmer inte med den sparade filen.",
    "kept_none": "Välj en fil med kontrollpunkter.",
    "kept_not_a_file": "Filen är inte en fil med kontrollpunkter som Sigill har exporterat.",
    "kept_unreadable_checkpoint": "Kontrollpunkt {number} i filen kan inte läsas ({field}): filen är inte som Sigill "
                                  "exporterade den.",
    "kept_untrusted": "Kontrollpunkt {number} i filen är signerad med en nyckel som inte är betrodd här: ange "
                      "installationens publika nyckel, som du fått från driften. Liggaren har inte befunnits ändrad.",
    "kept_forged": "Kontrollpunkt {number} i filen har en signatur som inte stämmer: filen är inte som Sigill "
                   "exporterade den. Liggaren har inte befunnits ändrad av den.",
    "kept_bad_key": "En nyckel är inte en publik nyckel i base64 (32 byte).",
    "kept_keys_too_long": "Högst 5 000 tecken: det räcker till över 100 nycklar (44 tecken var), fler än en "
                          "installation har. Det inklistrade var längre och visas inte igen – klistra in nycklarna "
                          "från driften, en per rad.",
    # The access log's checkpoint of the file (``access_log``), refused as the ledger's are.
    "kept_access_unreadable_checkpoint": "Åtkomstloggens kontrollpunkt {number} i filen kan inte läsas ({field}): "
                                         "filen är inte som Sigill exporterade den.",
    "kept_access_untrusted": "Åtkomstloggens kontrollpunkt {number} i filen är signerad med en nyckel som inte är "
                             "betrodd här: ange installationens publika nyckel, som du fått från driften. "
                             "Åtkomstloggen har inte befunnits ändrad.",
    "kept_access_forged": "Åtkomstloggens kontrollpunkt {number} i filen har en signatur som inte stämmer: filen är "
                          "inte som Sigill exporterade den. Åtkomstloggen har inte befunnits ändrad av den.",
    "kept_access_not_a_list": "Filens åtkomstlogg (access_log) är inte en lista med kontrollpunkter: filen är inte "
                              "som Sigill exporterade den.",
    "kept_access_confirmed": "Åtkomstloggens kontrollpunkt i filen stämmer med loggen.",
    "access_intact": "Åtkomstloggen är intakt.", "access_broken": "Åtkomstloggen har ändrats!",
    "access_checked_one": "kontrollerad läsning", "access_checked": "kontrollerade läsningar",
    "access_title": "Åtkomstlogg", "access_case": "Ärendenummer", "access_agency": "Aktör",
    "access_since": "Från (datum)", "access_until": "Till (datum)", "access_submit": "Sök", "access_none": "Inga träffar.",
    "access_reversed": "Till-datumet ligger före från-datumet: perioden är omvänd. Byt plats på datumen.",
    "access_bad_after": "Länkens värde för efter (läsningen i loggen som sidan börjar efter) är inget löpnummer:"
                        " sök igen i formuläret.",
    # {n}, {only_stored}, {rows} below are counted rows with their noun ("1 rad jämförd", "5 rader": the templates'
    # rows_compared and rows filters, services.wording); a text that wrote "{n} rader" said "1 rader".
    "stored_log_agrees": "Den lagrade utlämnandeloggen – det som aktörernas flöden fick – stämmer med ärendets "
                         "händelser ({n}).",
    "unknown_agency": "Ingen aktör heter ”{agency}”: välj en i listan.",
    "unknown_agency_unsaid": "Ingen aktör har det id som adressen anger: välj en i listan.",
    "stored_log_without_cause": "{n} av raderna skrevs före 2026-12-03, saknar orsak och jämfördes utan den.",
    "stored_log_differs": "Den lagrade utlämnandeloggen skiljer sig från ärendets händelser: {only_stored} finns bara "
                          "i den, {only_replayed} saknas i den.",
    # What a web auditor can do about it here (it named a command only an operator of the host can run): the links
    # go between these parts (disclosures.html).
    "stored_log_differs_table": "Tabellen nedan är loggen återskapad ur ärendets händelser.",
    "stored_log_differs_ledger": "visar om händelserna är de som förseglades – är de det, är det den lagrade loggen"
                                 " (det aktörernas flöden fick) som skiljer sig;",
    "stored_log_differs_report": "har samma kontroll för ärendet och loggen ur händelserna.",
    "stored_log_differs_operator": "Vilka rader som skiljer sig kan Sigills driftansvariga lista med kommandot"
                                   " sigill views log --case {number}.",
    "report_link": "granskningsrapporten",
    "audit_extract_intro": "Det är samma utdrag som den unge kan få; din läsning av det står själv i det, med syftet"
                           " du angett ovan.",
}
