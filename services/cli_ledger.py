"""`sigill audit seal | verify | public-key | export`: the hash-chained ledger — sealed, checked against the events
(and the access log and the record of erasures with it), its keys told and its checkpoints written for an outside
party to keep.  The rest of `sigill audit` (replay, disclosures, report) is ``services.cli_audit``'s."""

from __future__ import annotations

import argparse
import base64
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from services.cli_context import opened
from services.cli_progress import shown
from services.cli_said import said_back
from services.ledger_texts import UNREACHED, UNREACHED_EXPORTED, describe_divergence
from services.private_file import private_file
from services.settings import Settings
from services.wording import (all_of, cases_counted, checkpoints_confirmed, counted, events_counted, reads_counted,
                              rows_counted, swedish_number, to_the_second)

NOT_VERIFIED = 3  # verify's exit when it could not verify (no database, no key): a cron job tells it from 1, a change


def register(commands: argparse._SubParsersAction) -> None:
    seal = commands.add_parser("seal", help="add every new stored event to the hash-chained ledger and sign it")
    seal.set_defaults(handler=_seal)
    check = commands.add_parser("verify", help="recompute the ledger from the events; exit 1 if anything changed,"
                                " 3 if it could not be verified")
    check.add_argument("--checkpoints", type=Path, help="an exported checkpoint file to verify against as well")
    check.add_argument("--trust-key", action="append", default=[], type=public_key_argument, metavar="BASE64",
                       help="a ledger public key to trust (repeatable): an outside party needs no other secret, and"
                            " a read-only database role will do")
    check.set_defaults(handler=_verify, error_exit=NOT_VERIFIED)
    commands.add_parser("public-key", help="print the ledger's public keys (base64) — the signing key's and every"
                        " earlier one still trusted — for JO and IVO to trust"
                        ).set_defaults(handler=_public_key_command)
    export = commands.add_parser("export", help="write the signed checkpoints for an outside party to keep")
    export.add_argument("--out", type=Path, required=True, help="the file to write (readable by its owner only)")
    export.add_argument("--force", action="store_true", help="replace the --out file if it exists (refused"
                        " otherwise: checkpoints kept as evidence are not written over)")
    export.set_defaults(handler=_export)


@contextmanager
def _application() -> Iterator:
    from services.bootstrap.audit import build_ledger

    with opened(existing=True) as (app, settings, location):
        yield app, (lambda: build_ledger(app, settings, location))


def _seal(args: argparse.Namespace) -> int:
    with _application() as (app, ledger):
        audit_ledger = ledger()
        head = audit_ledger.store.head()   # out of how many: the events stored after the ledger's end
        unsealed = (app.recorder.max_notification_id() or 0) - (head.notification_id if head else 0)
        sealed = audit_ledger.seal(shown("förseglat", unsealed))
    print(f"{'' if not sealed else chr(10)}Liggaren förseglad: {counted(sealed, 'ny händelse', 'nya händelser')}.")
    return 0


def public_key_argument(text: str) -> bytes:
    from services.audit import public_key_of

    try:
        return public_key_of(text)
    except ValueError:   # its message quotes the text, which may be anything pasted
        raise argparse.ArgumentTypeError(f"{said_back(text)} is not a base64 Ed25519 public key (32 bytes), as"
                                         " `sigill audit public-key` prints one") from None


def _verify(args: argparse.Namespace) -> int:
    from services.bootstrap.audit import verifier_reads
    from services.bootstrap.database import verifier_location

    exported, exported_reads = exported_checkpoints(args.checkpoints), exported_access_log(args.checkpoints)
    settings = Settings()   # no application: nothing is created or written, and no master key is needed
    # Every check reads one snapshot, on one connection (the ledger's walk a second beside it): each judges the
    # database as the others found it.
    with verifier_reads(settings, verifier_location(settings, asked=False), args.trust_key) as (ledger, reads):
        return _verified(settings, ledger, reads, exported, exported_reads)


def _verified(settings: Settings, ledger, reads, exported: list, exported_reads: list) -> int:  # noqa: ANN001
    """verify's checks and their lines, on ``reads`` (a ``VerifierReads``) and its ``ledger``."""
    from services.audit import InvalidCheckpointFile, check_access_log_file

    result = ledger.verify(exported, shown("kontrollerat", None))
    if result.checked >= 100_000:
        print(file=sys.stderr)  # end the progress line
    if result.intact:
        # The installation's own checkpoints prove nothing against whoever can rewrite the ledger and them: say
        # which were checked, and what proves more.
        against = (f"däribland {all_of(len(exported))} i den exporterade filen" if exported else
                   "installationens egna; jämför med tidigare exporterade (--checkpoints) för bevis mot den som kan"
                   " skriva om liggaren")
        print(f"Oförändrad: {events_counted(result.checked)} stämmer med liggaren, "
              f"{checkpoints_confirmed(result.checkpoints)} ({against}).")
        if result.unsealed:
            print(f"Obs: {events_counted(result.unsealed)} efter liggarens slut har ännu inte förseglats "
                  f"(kör `sigill audit seal`).")
    else:
        print(f"{describe_divergence(result.divergence)}. {events_counted(result.checked)}"
              f" {'till och med' if _counted_through(result.divergence) else 'före'} den stämmer.")
        _name_the_case(reads, result.divergence)
    try:
        # A bad access-log part: exit 3, as a bad ledger part, before the access log is walked.
        check_access_log_file(exported_reads, ledger.trusted_keys)
    except InvalidCheckpointFile as bad:
        if result.intact:
            raise
        print(f"sigill: {bad}", file=sys.stderr)   # the ledger's part of the file was good, and it found a change
        return 1
    access = _verify_access_log(settings, reads, ledger.trusted_keys, exported_reads)
    index = _verify_case_index(reads)
    _tell_erasures(reads)
    if not result.intact or "changed" in (access, index):
        return 1   # tampering is told as tampering, whatever else could not be checked
    return 0 if access == index == "intact" else NOT_VERIFIED


def _counted_through(divergence) -> bool:  # noqa: ANN001 - a Divergence
    """Whether the events counted include the one at the divergence: a checkpoint found wrong where the walk reached
    (its entry's link whole), not one naming a position the ledger no longer reaches, nor an event found changed."""
    return divergence.kind == "checkpoint" and divergence.detail not in (UNREACHED, UNREACHED_EXPORTED)


def _name_the_case(reads, divergence) -> None:  # noqa: ANN001 - VerifierReads, a Divergence
    """The diverging case's number beside its id: the id alone sent a supervisor elsewhere to learn which case it is,
    and the number is what they file under.  Its referral, which holds it, is sealed under the case's key, which
    verify does without; the case lists hold it in plaintext, read here as the ledger is (nothing made, no key).  A
    role not granted them, or a case no list holds, is told where the number is to be found instead."""
    import psycopg

    from services.cli import first_line

    if divergence.case_id is None or divergence.aggregate == "case_number_series":
        return
    case_id = divergence.case_id
    try:
        number = reads.case_number(case_id)
    except psycopg.errors.InsufficientPrivilege:
        print(f"Ärendets nummer slogs inte upp: databasrollen får inte läsa ärendelistan (GRANT SELECT ON view_cases);"
              f" installationens granskningssida /granskning/arenden/{case_id} visar det.")
        return
    except psycopg.Error as error:
        print(f"Ärendets nummer kunde inte slås upp: {first_line(error)}")
        return
    if number is not None:
        print(f"Ärendet är {number} (ärende-id {case_id}; numret ur ärendelistan).")
    elif divergence.aggregate == "case":   # a removed event's may be a series': said only when found
        print(f"Ärendet {case_id} finns inte i ärendelistan (gallrat, eller vyerna ligger efter: `sigill views"
              " catch-up`); dess nummer står i dess första händelse, förseglad under ärendets nyckel.")


def exported_checkpoints(path: Path | None) -> list:
    """The checkpoints of an exported file (none without one); a file that cannot be read is one line."""
    from services.audit import InvalidCheckpointFile, read_exported

    try:
        return read_exported(path.read_text("utf-8")) if path else []
    except OSError as error:
        raise InvalidCheckpointFile(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidCheckpointFile(f"{path} is not a checkpoint file (not UTF-8 text)") from None


def exported_access_log(path: Path | None) -> list:
    """The access log's checkpoints of an exported file (none without one, or in a file from before 2026-12-06);
    read after ``exported_checkpoints``, which refuses a file that is none."""
    from services.audit import read_exported_access_log

    return read_exported_access_log(path.read_text("utf-8")) if path else []


def _verify_access_log(settings: Settings, reads, trusted: set[bytes],  # noqa: ANN001 - VerifierReads
                       exported: list | None = None) -> str:
    """The access log — who read what, when and why — is hash-chained and signed with the same key: checked in the
    same run, read only.  "intact", "changed", or "unverified" (it could not be read: the ledger's verdict is
    still told).  A role not granted its tables is told so in a line, and counts as checked: an outside party's
    documented grant covers the ledger alone."""
    import psycopg

    from services.audit import signature_ok
    from services.cli import first_line

    try:
        read = reads.access_log(signature_ok, set(trusted), exported or ())
    except psycopg.errors.InsufficientPrivilege:
        print("Åtkomstloggen kontrollerades inte: databasrollen får inte läsa den (GRANT SELECT ON sigill_access_log,"
              " sigill_access_log_checkpoints).")
        return "intact"
    except psycopg.Error as error:
        print(f"Åtkomstloggen kunde inte kontrolleras: {first_line(error)}")
        return "unverified"
    verdict = read.verdict
    if verdict is None:   # no tables, and no stamp of their making (``verify_access_log``: a stamp is a finding)
        print(_no_access_log(read.made_here))
        # A running installation has one from its first start (the server makes it): in production its absence is
        # not "unchanged".
        return "unverified" if settings.is_production else "intact"
    if verdict.intact:
        kept = " (däribland den i den exporterade filen)" if verdict.exported else ""
        print(f"Åtkomstloggen oförändrad: {reads_counted(verdict.checked)} stämmer, "
              f"{checkpoints_confirmed(verdict.checkpoints)}{kept}.")
        return "intact"
    before = f" {reads_counted(verdict.checked)} före stämmer." if verdict.checked else ""
    print(f"Åtkomstloggen ÄNDRAD: {verdict.swedish}.{before}")
    return "changed"


def _no_access_log(made: bool | None) -> str:
    """An access log not in the database, said as what it most likely is: after `sigill demo`, or on an
    installation no one has read a case on, nothing has made it — expected, not alarming.  Where the stamps that tell
    it cannot be read, the line says both what it may be and why it cannot tell."""
    if made is False:
        return ("Åtkomstloggen har inte skapats här: ingen läsning har loggats ännu (så efter `sigill demo`);"
                " den skapas vid den första läsningen, eller av `sigill serve` och `sigill database setup`.")
    return ("Åtkomstloggen finns inte i databasen: ingen läsning har loggats här, eller dess tabeller har tagits bort"
            " (sigill_schema_stamps, som skiljer det åt, finns inte eller får databasrollen inte läsa).")


def _verify_case_index(reads) -> str:  # noqa: ANN001 - VerifierReads
    """The auditors' index of cases (the web's Granskning) lists the lead agency's case list, which the views write
    and the application's role may write to: held to the events both ways — the cases it lacks (``_index_lacks``)
    and the rows it should not have, or whose number, phase or marker the events contradict (``_index_rows``).
    "intact", "changed" or "unverified" (it could not be read)."""
    verdicts = (_index_lacks(reads), _index_rows(reads))
    return "changed" if "changed" in verdicts else "unverified" if "unverified" in verdicts else "intact"


def _index_lacks(reads) -> str:  # noqa: ANN001 - VerifierReads
    """A case's row removed hid it from the index (a red team, 2026-12-06), though its number still found it.  The
    cases the events say exist (their first events' plaintext topics and ids, sealed by the ledger) held to the
    list's rows, erased ones left out: "changed" when one the views had taken in is missing.  A role not granted
    the list is told so in a line, and counts as checked, as the access log's."""
    unlisted, verdict = _index_read(reads.unlisted,
                                    "Granskningens ärendeindex kontrollerades inte: databasrollen får inte läsa"
                                    " ärendelistan (GRANT SELECT ON view_cases, agency_views_tracking, sigill_data_keys).",
                                    "Granskningens ärendeindex kunde inte kontrolleras")
    if verdict:
        return verdict
    if unlisted is None:   # no views in this database: nothing lists a case
        return "intact"
    missing, behind = unlisted
    if behind:   # the views write their position with their rows: these they have not reached
        print(f"Obs: {cases_counted(len(behind))} är ännu inte med i granskningens ärendeindex – vyerna har inte bearbetat"
              f" deras remiss (`sigill views catch-up`): {_listed(behind)}.")
    if not missing:
        print("Granskningens ärendeindex saknar inget ärende som händelserna har.")
        return "intact"
    print(f"Granskningens ärendeindex ÄNDRAT: {cases_counted(len(missing))} som händelserna har och vyerna har bearbetat"
          f" saknas i det – raden i ärendelistan som indexet läser har tagits bort: {_listed(missing)}. Numret hittar"
          f" ärendet ändå; {REBUILD}")
    return "changed"


def _index_read(read, not_granted: str, unreadable: str):  # noqa: ANN001, ANN202 - a read; (its answer, a verdict)
    """One of the index's reads, as a verifier's role reads: its answer and no verdict, or none and the verdict — a
    role not granted the tables is told so in a line and counts as checked (as the access log's); a read that
    failed is "unverified", said in a line."""
    import psycopg

    from services.cli import first_line
    from services.settings import ConfigurationError

    try:
        return read(), None
    except psycopg.errors.InsufficientPrivilege:
        print(not_granted)
        return None, "intact"
    except (psycopg.Error, ConfigurationError) as error:
        print(f"{unreadable}: {first_line(error)}")
        return None, "unverified"


REBUILD = "`sigill views rebuild` skriver ärendelistorna på nytt ur händelserna."
# What a row of the index says that the events can contradict, as verify names it.
CONTRADICTED = {"number": "ärendenummer", "municipality": "kommun", "phase": "fas", "protection": "skyddsmarkering"}


def _index_rows(reads) -> str:  # noqa: ANN001 - VerifierReads
    """The index's rows held to the events (``gateways.case_index_checks``): a row of no case the events have (made
    up), or one whose number, municipality, phase or protection marker they contradict, is "changed" — an
    auditor was shown a case that is none, or the wrong number for one.  A row of an erased case is told, not
    counted: its rows go when a follower next records the erasure.  Ids only."""
    rows, verdict = _index_read(reads.listed_rows,
                                "Raderna i granskningens ärendeindex kontrollerades inte mot händelserna: databasrollen"
                                " får inte läsa dem (GRANT SELECT ON view_cases, case_municipality,"
                                " agency_views_tracking, sigill_data_keys).",
                                "Raderna i granskningens ärendeindex kunde inte kontrolleras")
    if verdict:
        return verdict
    if rows is None:
        return "intact"
    if rows.erased:
        print(f"Obs: {cases_counted(len(rows.erased))} som gallrats står kvar i granskningens ärendeindex – gallringen är"
              " ännu inte införd i vyerna (en följare gör det inom en minut, `sigill calendar` utan en):"
              f" {_listed(rows.erased)}.")
    if rows.made_up:
        print(f"Granskningens ärendeindex ÄNDRAT: {rows_counted(len(rows.made_up))} i ärendelistan som indexet läser"
              f" hör inte till något ärende som händelserna har: {_listed(rows.made_up)}. {REBUILD}")
    if rows.contradicted:
        said = "; ".join(f"{CONTRADICTED[what]}: {_listed(ids)}" for what, ids in rows.contradicted.items())
        count = len({case_id for ids in rows.contradicted.values() for case_id in ids})
        print(f"Granskningens ärendeindex ÄNDRAT: {rows_counted(count)} i ärendelistan som indexet läser säger om"
              f" sitt ärende det som händelserna motsäger ({said}). {REBUILD}")
    if rows.made_up or rows.contradicted:
        return "changed"
    print("Granskningens ärendeindex har ingen rad som händelserna motsäger (ärendenummer, kommun, fas,"
          " skyddsmarkering).")
    return "intact"


def _listed(case_ids: list) -> str:
    """Case ids as verify's lines list them: the first ten."""
    return ", ".join(str(c) for c in case_ids[:10]) + (" …" if len(case_ids) > 10 else "")


def _tell_erasures(reads) -> None:  # noqa: ANN001 - VerifierReads
    """The erasures (gallring) on record, any case key destroyed with no decision on record, and any destroyed
    while its case was open (no closure among its stored events) — keys are no events, so the ledger cannot tell;
    told, not counted as a change of the ledger."""
    import psycopg

    from services.cli import first_line

    try:
        recorded, pending, unrecorded = reads.erasures()
        unclosed = reads.erased_unclosed()
    except psycopg.errors.InsufficientPrivilege:
        print("Gallringarna kontrollerades inte: databasrollen får inte läsa dem (GRANT SELECT ON sigill_erasures,"
              " sigill_data_keys).")
        return
    except psycopg.Error as error:
        print(f"Gallringarna kunde inte kontrolleras: {first_line(error)}")
        return
    if recorded or not unrecorded:
        print(f"Gallrade ärenden med registrerat beslut: {swedish_number(recorded)}.")
    if pending:   # a crash between the record and the key's destruction
        print(f"Obs: gallringsbeslut registrerat men nyckeln inte förstörd för {cases_counted(len(pending))}"
              " (kör `sigill erase` igen för dem):"
              f" {', '.join(str(c) for c in pending[:10])}{' …' if len(pending) > 10 else ''}.")
    if unrecorded:
        listed = ", ".join(f"{case_id} ({to_the_second(at) if at else 'okänd tid'})"
                           for case_id, at in unrecorded[:10])
        keys = counted(len(unrecorded), "ärendes nyckel är förstörd", "ärendens nycklar är förstörda")
        print(f"Obs: {keys} utan registrerat gallringsbeslut (`sigill erase` registrerar beslutet): {listed}"
              f"{' …' if len(unrecorded) > 10 else ''}.")
    if unclosed:   # only a closed case is culled: one erased open was so after a restore, or past `sigill erase`
        which = counted(len(unclosed), "gallrat ärende", "gallrade ärenden")
        print(f"Obs: {which} saknar avslut bland sina lagrade händelser – nyckeln förstördes medan ärendet var"
              " öppet: efter en återställning (`sigill erase --even-if-open`), ett avböjt ärende gallrat före"
              " 2026-12-05 (då gallrades sådana utan avslut), eller förbi `sigill erase` av någon med databasens"
              f" rättigheter: {', '.join(str(c) for c in unclosed[:10])}"
              f"{' …' if len(unclosed) > 10 else ''}.")


def _public_key_command(args: argparse.Namespace) -> int:
    """The keys to hand a supervisor beside the exported checkpoints (by another way than the file itself): the
    signing key's, then those of earlier signing keys still trusted — older checkpoints are signed by them."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from services.audit import raw_public_key
    from services.settings import ConfigurationError

    settings = Settings()
    seed = settings.existing_ledger_key_bytes()
    if seed is None:
        raise ConfigurationError("no ledger key on this machine: production sets SIGILL_LEDGER_KEY; embedded mode"
                                 " makes one in the data directory when Sigill first runs")
    keys = [raw_public_key(Ed25519PrivateKey.from_private_bytes(seed)), *settings.trusted_ledger_keys()]
    for key in dict.fromkeys(keys):
        print(base64.b64encode(key).decode())
    return 0


def _export(args: argparse.Namespace) -> int:
    from services.bootstrap.audit import build_ledger, checkpoint_file

    with (private_file(args.out, "the checkpoints", args.force) as write,
          opened(existing=True) as (app, settings, location)):
        # The access log's last checkpoint too, as the API's and the web's download write it.
        write(checkpoint_file(build_ledger(app, settings, location), settings, location))
    if str(args.out) != "-":
        print(f"Kontrollpunkterna skrivna till {args.out}.")
    return 0
