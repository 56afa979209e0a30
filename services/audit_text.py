"""What auditors are told of the facts and their changes: the disclosure log's words for a change and a fact's
kind, a fact with who recorded it and the agencies responsible for a plan row, and each log row's follow-up naming
the plan row its recipient was shown then.

Apart from the facts' own lines (``presentation``): to a member, who recorded a meeting can itself be information it
may not see, so these words are for auditors' logs, replays and reports only (an agency's own `sigill views log`
lists changes and kinds in the same words).  And how each who verifies the ledger gives the installation's keys
(``HowToTrust``: the command line, the API, the web), in its own words (``told_to``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping, Sequence

from domain.catalogue import Catalogue
from domain.facts import VARIANT, Fact, as_shown, fact_order
from services.presentation import YOUNG_PERSON_WORD, describe_fact
from services.wording import agency_name, swedish_number

# Why a log a rebuild replaced cannot be held to the events (``stored_log.standing``), in the same words in the
# report, on the web and in `sigill views log`.  Each is said of a log the API marks so (``beyond_holding``).
BEYOND_HOLDING = {
    "other_rules": "Den byggdes under andra regler än dagens och kan inte hållas mot händelserna.",
    "other_catalogue": "Den byggdes under dagens regler men under en annan aktörskatalog än dagens och kan inte hållas"
                       " mot händelserna.",
    # Views a process under another catalogue wrote too ('mixed'): not "another than today's" — some of its rows may
    # have been written under today's, and which is not recorded.
    "mixed_catalogue": "Den skrevs under dagens regler men under mer än en aktörskatalog och kan inte hållas mot"
                       " händelserna.",
}
# A visibility change, as every log lists it (the command line, the report, the web client).
CHANGES = {"disclosed": "lämnades ut", "ended": "upphörde", "basis_changed": "ny grund", "erased": "raderat"}
# A fact's kind in a word, as logs list them.
KINDS = {"case.opened": "ärende", "case.subject": "den unge", "referral": "aktualisering",
         "referral.duplicate_confirmed": "aktualisering", "eligibility": "beslut",
         "guardians": "vårdnadshavare", "member.joined": "medlem", "member.left": "medlem",
         "plan.goal": "plan", "plan.row": "planrad", "meeting": "möte", "meeting.attendee": "möte",
         "meeting.outcome": "mötesresultat", "meeting.decision": "mötesbeslut", "meeting.scheduled": "nästa möte",
         "contribution": "uppgift",
         "follow_up": "uppföljning", "case.closed": "avslut", "case.protected": "skyddade personuppgifter", "calendar": "kalender", "consent.granted": "samtycke",
         "consent.narrowed": "samtycke", "consent.withdrawn": "samtycke", "case.erased": "radering"}


def is_disclosure(change: Any) -> bool:
    """Whether a row of the disclosure log (a ``VisibilityChange``) is a disclosure: a fact reaching an agency other
    than the one it comes from.  An agency's own contribution is not disclosed to it — it holds it as its origin
    (``ORIGIN``: "egen uppgift"), as DOMAIN.md has it, and JO and IVO ask what was given to whom — so the report, `sigill
    audit disclosures` and the web's Utlämnanden all leave those rows out, each saying how many.  A fact another
    agency recorded in its origin's name (``attributed``) reaches its origin under consent like anyone's: those are
    disclosures."""
    return change.agency != change.fact.origin or change.fact.attributed


def own_facts_left_out(count: int) -> str:
    """The line each list of disclosures ends with when it left an agency's own contributions out (``is_disclosure``):
    without it, an auditor missing an agency's own fact could not tell a deliberate omission from a gap."""
    facts = ("1 rad om en myndighets egen uppgift" if count == 1
             else f"{swedish_number(count)} rader om myndigheternas egna uppgifter")
    return (f"{facts} (det myndigheten själv registrerade) visas inte: en egen uppgift lämnas inte ut till den som"
            " registrerade den. Vad en myndighet kunde se, egna uppgifter medräknade, visar återspelningen.")


def describe_for_auditor(fact: Fact, catalogue: Catalogue, rows: Mapping[str, Sequence[Any]] | None = None, *,
                         young_person: str = YOUNG_PERSON_WORD) -> str:
    """``describe_fact``, and for a fact another agency recorded in its origin's name who did: "Mötet 2026-02-01,
    från Skolan: … (registrerad av Socialtjänsten)".  For auditors only: to a member, who recorded a meeting can
    itself be information it may not see.  ``young_person``: as ``describe_fact`` (a replay names the young person
    as the agency replayed could)."""
    described = describe_fact(fact, catalogue, rows, young_person=young_person)
    if fact.kind == "plan.row":   # which agencies the reader was shown as responsible (rules version 5)
        named = ", ".join(agency_name(a, catalogue) for a in fact.content.get("responsible_agencies", ())) or "inga"
        described += f"; ansvariga aktörer: {named}"
        if VARIANT in fact.fact_id:
            described += " (visad med övriga ansvariga aktörer undanhållna)"
    return described if fact.recorded_by is None else (
        f"{described} (registrerad av {agency_name(fact.recorded_by, catalogue)})")


def describe_changes(log: Sequence[Any], catalogue: Catalogue) -> list[str]:
    """``describe_for_auditor`` for each row of the disclosure log ``log`` (``VisibilityChange``s in time order): a
    follow-up names its plan row as the row's recipient saw it then (``rows_followed_then``): the web's log and the
    command line's say it alike."""
    return [describe_for_auditor(c.fact, catalogue, rows) for c, rows in zip(log, rows_followed_then(log))]


def describe_logged(fact_id: str, kind: str, facts: dict[str, Fact], catalogue: Catalogue) -> str:
    """A stored log row's fact for an auditor, from the case's recorded facts by id (a plan row shown with names
    withheld as it was shown); a fact the history no longer names, by its kind."""
    fact = as_shown(facts, fact_id)
    return describe_for_auditor(fact, catalogue) if fact is not None else kind


def rows_followed_then(log: Sequence[Any]) -> list[dict[str, list[Any]] | None]:
    """For each row of the disclosure log ``log`` (in time order, as ``disclosure_log`` makes it), the plan rows
    (``plan_rows``) its recipient was shown at the row's moment (an ended row's: just before it, as ``known_at``),
    from the log's own changes — for a follow-up's row only, and only the row it follows up; None for any other.  A
    log row is what its recipient was given: a follow-up in it names its row only when that agency saw the row then
    — as a replay of the agency at that moment names it — never a row it was not shown.

    One pass over the log's plan rows, the follow-ups taken by their moments: asking the whole log again for each
    follow-up made a case of hundreds of follow-ups take seconds.  In time order, the plan rows' changes up to a
    moment are the log's first ones."""
    changes, asked = [], []   # the plan rows' changes; the follow-ups' lines, each with when its agency saw
    for i, c in enumerate(log):
        if c.fact.kind == "plan.row":
            changes.append(c)
        elif c.fact.kind == "follow_up":
            asked.append((_seen_until(c), i, c))
    followed: list[dict[str, list[Any]] | None] = [None] * len(log)
    # (agency, row id) → the row's facts shown to the agency, by fact id, in the order first shown (``plan_rows``
    # keeps that order among a row's revision and its variants with names withheld, which sort alike).
    shown: dict[tuple[str, str], dict[str, Any]] = {}
    taken = 0
    for until, i, line in sorted(asked, key=lambda a: a[:2]):
        while taken < len(changes) and changes[taken].at <= until:
            _show(shown, changes[taken])
            taken += 1
        row_id = line.fact.content["row_id"]
        followed[i] = {row_id: sorted(shown.get((line.agency, row_id), {}).values(), key=fact_order)}
    return followed


def _seen_until(change: Any) -> datetime:
    """The last moment a log row's recipient saw what the row tells of: an ended row's, just before it."""
    return change.at - timedelta(microseconds=1) if change.change == "ended" else change.at


def _show(shown: dict[tuple[str, str], dict[str, Any]], change: Any) -> None:
    """A plan row's change in the log, kept: shown to its agency, or ended for it."""
    row = shown.setdefault((change.agency, change.fact.content["row_id"]), {})
    if change.change == "ended":
        row.pop(change.fact.fact_id, None)
    else:
        row[change.fact.fact_id] = change.fact


# How whoever verifies the ledger gives the installation's keys: words auditors are told (the command line, the API
# and the web each in its own), not the hash chain's (``ledger`` writes its messages in the command line's).
@dataclass(frozen=True)
class HowToTrust:
    """How whoever verifies gives the installation's keys, in their own words (English, Swedish): a checkpoint signed
    by a key not trusted here says it.  The messages are written in the command line's; ``told_to`` says them in
    another's."""
    english: str
    swedish: str


CLI_TRUST = HowToTrust("give the installation's keys with --trust-key, or SIGILL_LEDGER_TRUSTED_KEYS",
                       "ange installationens nycklar med --trust-key eller SIGILL_LEDGER_TRUSTED_KEYS")
API_TRUST = HowToTrust("give the installation's keys in the query parameter trust_key (repeatable) of POST"
                       " /api/v1/audit/ledger/verification, or have the operator set SIGILL_LEDGER_TRUSTED_KEYS",
                       "ange installationens nycklar i frågeparametern trust_key (upprepningsbar) till POST"
                       " /api/v1/audit/ledger/verification, eller be driften ange dem i SIGILL_LEDGER_TRUSTED_KEYS")
WEB_TRUST = HowToTrust("give the installation's public keys under Trusted public keys, checking against a kept"
                       " file", "ange installationens publika nycklar under Betrodda publika nycklar när du"
                       " kontrollerar mot sparade kontrollpunkter")


def told_to(text: str, words: HowToTrust) -> str:
    """A message written for the command line (a divergence's detail, an exported file's refusal), in the words of
    another who verifies: the one phrase on how to give the keys is theirs."""
    return text.replace(CLI_TRUST.english, words.english).replace(CLI_TRUST.swedish, words.swedish)
