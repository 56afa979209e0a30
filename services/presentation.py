"""Plain-text Swedish renderings of facts and bases, for the command line, the report and the web client.

Personnummer are shown masked: terminal output ends up in tickets and chats.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sequence

from domain.calendar import STOCKHOLM
from domain.catalogue import Catalogue
from domain.disclosure import Cause
from domain.judge import CUSTODY_UNKNOWN, Basis
from domain.facts import VARIANT, Fact, as_shown, fact_order
from domain.standing import (CASE_CLOSED, CONSENT_MISSING, EXPIRED, NARROWED, NEVER_A_MEMBER, NO_CUSTODY,
                             NO_LONGER_A_MEMBER, NOT_STARTED, NOT_YET_A_MEMBER, NOTHING_RECORDED, WITHDRAWN, Cover,
                             HeldConsent, Lapse, Standing)
from domain.values import YOUNG_PERSON

ROUTES = {"known": "känd hos socialtjänsten", "sol14": "SoL 14-anmälan", "lul6": "LUL 6 §-underrättelse",
          "other": "annan väg"}
PHASES = {"referred": "aktualiserad", "accepted": "aktuell, gruppen bildas", "declined": "inte aktuell",
          "active": "pågående insats", "closed": "avslutad"}
# Why a case was closed (domain.values.ClosureReason), as the timeline, the report and the web client say it.
CLOSURE_REASONS = {"goals_met": "Målen är nådda", "moved": "Den unge har flyttat",
                   "consent_withdrawn": "Samtycket är återkallat", "declined": "Den unge avböjer",
                   "aged_out": "Den unge har lämnat målgruppen", "not_eligible": "Inte aktuell för en insatsgrupp",
                   "other": "Annat skäl"}
INSTRUMENTS = {"other": "annat instrument"}   # the rest (SAVRY, ESTER, BBIC) are their own names
STATUSES = {"achieved": "uppnått", "partly": "delvis uppnått", "not_achieved": "inte uppnått", "ongoing": "pågår"}


def describe_fact(fact: Fact, catalogue: Catalogue, rows: Mapping[str, Sequence[Any]] | None = None) -> str:
    """One line saying what the fact is, in Swedish.  ``rows`` (``plan_rows``: the plan rows the reader sees): a
    follow-up then names the row it follows up, when the reader sees it."""
    if fact.kind == "follow_up" and rows:
        return _follow_up(fact.content, catalogue, followed_row(fact, rows))
    render = _RENDERERS.get(fact.kind)
    return render(fact.content, catalogue) if render else fact.kind


def _drawn_up_with(c: Mapping[str, Any]) -> str:
    """Who drew a plan revision up, as the goal carries it (by guardian id only: counted, not named here).  A goal
    from before it was recorded, or recorded without it: "ej angivet"."""
    took_part, guardians = c.get("young_person_took_part"), c.get("guardians_took_part") or ()
    if took_part is None:
        return "upprättad i samråd med den unge: ej angivet"
    said = "ja" if took_part else f"nej ({c.get('not_taking_part_reason') or 'skäl saknas'})"
    return f"upprättad i samråd med den unge: {said}; vårdnadshavare som deltog: {len(guardians)}"


def plan_rows(facts: Iterable[Any]) -> dict[str, list[Any]]:
    """The plan rows among ``facts`` (what the reader sees), by row id, each row's revisions in the order recorded:
    what a follow-up names its row from."""
    rows: dict[str, list[Any]] = {}
    for f in sorted((f for f in facts if f.kind == "plan.row"), key=fact_order):
        rows.setdefault(f.content["row_id"], []).append(f)
    return rows


def followed_row(follow_up: Any, rows: Mapping[str, Sequence[Any]]) -> str:
    """"Skola – Komma i tid till lektioner": the row a follow-up follows up, as the plan read it then, from the rows
    the reader sees (``plan_rows``); "" when it sees none of them as it read then — a follow-up never tells of a row
    the reader may not see, nor a later wording as if it had been followed up."""
    earlier = [r for r in rows.get(follow_up.content["row_id"], ()) if r.version < follow_up.version]
    return f"{earlier[-1].content['area']} – {earlier[-1].content['goal']}" if earlier else ""


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


def _follow_up(c: Mapping[str, Any], cat: Catalogue, row: str = "") -> str:
    of_row = f" av raden ”{row}”" if row else ""
    return f"Uppföljning{of_row} ({STATUSES[c['status']]}) från {agency_name(c['agency'], cat)}: {c['note']}"


def _calendar_moment(c: Mapping[str, Any]) -> str:
    """A calendar fact: its moment is an instant (Stockholm midnight, stored in UTC), shown as the Swedish date it
    begins or ends (the UTC date of Stockholm midnight is the day before); the consent it concerns named."""
    if isinstance(c["at"], str):
        return c["what"]
    what = {"consent_starts": "Samtycke {id} börjar gälla", "consent_ends": "Samtycke {id} upphör att gälla",
            "turns_18": "Den unge fyller 18 år"}[c["what"]].format(id=(c.get("consent_id") or "")[:8])
    day = c["at"].astimezone(STOCKHOLM)
    if c["what"] == "consent_ends":
        day -= timedelta(microseconds=1)   # the end of its last day: that day, not the midnight after it
    return f"{what} ({day:%Y-%m-%d})"


def describe_plan_status(revision: int | None, follow_up: Mapping[str, int] | None) -> str:
    """A case list's plan column: "rev. 2, 2 rader – uppnått: 1, ej uppföljd: 1"; "" without a plan."""
    if revision is None:
        return ""
    if not follow_up:
        return f"rev. {revision}"
    rows, shown = sum(follow_up.values()), {**STATUSES, "none": "ej uppföljd"}   # in this order
    parts = ", ".join(f"{label}: {follow_up[s]}" for s, label in shown.items() if s in follow_up)
    return f"rev. {revision}, {rows} {'rad' if rows == 1 else 'rader'} – {parts}"


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


def describe_basis(basis: Basis, catalogue: Catalogue, known: Mapping[str, Mapping[str, Any]] | None = None,
                   roles: Mapping[str, int] | None = None) -> str:
    """The basis in Swedish.  A stored row may hold one no rule gives (altered, or from a catalogue since changed):
    it is described as what it is, never refused — an auditor looking for an altered log must be shown it.

    ``known``: the consents the reader itself may see (``known_consents``: consent id → its ``consenter``,
    ``consenter_name`` and ``valid_until``, from its own consent facts: a member's part, social services' whole): a
    consent basis then says who consented and until when — "samtycke från den unge och vårdnadshavarna A och B,
    t.o.m. 2027-01-15" — instead of bare ids.  A consent the reader does not see stays an id: never a name it may
    not know.  ``roles`` (``guardian_roles``): the guardians by role, "vårdnadshavare 1 och 2", not by name — the
    command line's output ends up in tickets and chats."""
    if basis.kind not in ("origin", "owner", "law", "consent"):
        return f"okänd grund ”{basis.kind}”"
    if basis.kind == "law" and (basis.legal_basis or "") not in catalogue.legal_bases:
        return f"lag: okänt lagrum ”{basis.legal_basis or ''}”"
    if readable(basis, known):
        return describe_consents(basis.consent_ids, known or {}, roles)
    return basis.describe(catalogue)


def describe_basis_with_ids(basis: Basis, catalogue: Catalogue, known: Mapping[str, Mapping[str, Any]] | None = None,
                            roles: Mapping[str, int] | None = None) -> str:
    """``describe_basis`` for a line of text an auditor cross-references: a consent basis told by who consented is
    followed by its consents' ids, "samtycke från den unge, t.o.m. 2027-02-11 (1a2b3c4d)" (a basis still told by
    ids is not told them twice)."""
    text = describe_basis(basis, catalogue, known, roles)
    return f"{text} ({basis_ids(basis)})" if readable(basis, known) else text


def readable(basis: Basis, known: Mapping[str, Mapping[str, Any]] | None) -> bool:
    """Whether ``describe_basis`` tells this basis by who consented (the reader sees one of its consents)."""
    return basis.kind == "consent" and bool(known) and any(c in (known or {}) for c in basis.consent_ids)


def basis_ids(basis: Any) -> str:
    """A consent basis's consent ids, short, for an auditor's precision beside the readable basis; "" for others."""
    return ", ".join(c[:8] for c in basis.consent_ids) if basis.kind == "consent" else ""


CONSENT_FACTS = ("consent.granted", "consent.narrowed")   # what ``known_consents`` reads who consented from


def consent_facts(facts: Iterable[Any]) -> list[Any]:
    """The consent facts among ``facts``: a log's basis is told at each of its many rows from these alone."""
    return [f for f in facts if f.kind in CONSENT_FACTS]


def known_consents(facts: Iterable[Any], until: datetime | None = None) -> dict[str, dict[str, Any]]:
    """The consents the reader itself sees, by id: who gave each (``consenter``, ``consenter_name``) and its end
    (``valid_until``, as a narrowing left it) — from its own consent facts only (``facts``: what it sees, any of
    them; anything with ``kind``, ``content``, ``recorded_at``, ``version`` and ``fact_id``): a member's are the
    parts addressed to it (DOMAIN.md), social services' the whole consents.  Never anything of a consent it cannot
    see.  ``until``: as they stood then (a log's row tells the end date its moment knew, not a later narrowing's)."""
    known: dict[str, dict[str, Any]] = {}
    for f in sorted(consent_facts(facts), key=fact_order):
        if until is not None and f.recorded_at > until:
            continue
        c = f.content
        if f.kind == "consent.granted":
            known[c["consent_id"]] = {"consenter": c["consenter"], "consenter_name": c["consenter_name"],
                                      "valid_until": c.get("valid_until")}
        elif c["consent_id"] in known:
            known[c["consent_id"]]["valid_until"] = c.get("valid_until")
    return known


def known_at(facts: Iterable[Any], change: str, at: datetime) -> dict[str, dict[str, Any]]:
    """``known_consents`` as a log row's basis had them: at the row's moment, an ended row's just before it (the
    end its basis had, not the narrowing or withdrawal that ended it)."""
    return known_consents(facts, at - timedelta(microseconds=1) if change == "ended" else at)


def guardian_roles(guardian_ids: Iterable[str]) -> dict[str, int]:
    """Each guardian's number, in the order they were first recorded (``Case.known_guardians``): "vårdnadshavare 1"
    says whose consent it is without naming anyone."""
    return {g: i for i, g in enumerate(guardian_ids, start=1)}


def describe_consents(consent_ids: Iterable[str], known: Mapping[str, Mapping[str, Any]],
                      roles: Mapping[str, int] | None = None) -> str:
    """Who gave the consents and until when, from what the reader sees of them; unseen ones by id only.  The
    guardians by name, or with ``roles`` by number ("vårdnadshavare 1 och 2"; one ``roles`` does not know: "en
    vårdnadshavare", never a name)."""
    ids = list(consent_ids)
    seen, unseen = [known[c] for c in ids if c in known], [c[:8] for c in ids if c not in known]
    young = any(c["consenter"] == YOUNG_PERSON for c in seen)
    others = list(dict.fromkeys(c["consenter"] for c in seen if c["consenter"] != YOUNG_PERSON))
    who = ["den unge"] if young else []
    if others and roles is not None:
        numbers = sorted(roles[g] for g in others if g in roles)
        if numbers:
            who.append("vårdnadshavare " + _and([str(n) for n in numbers]))
        who.extend("en vårdnadshavare" for g in others if g not in roles)
    elif others:
        names = list(dict.fromkeys(c["consenter_name"] for c in seen if c["consenter"] != YOUNG_PERSON))
        who.append(("vårdnadshavaren " if len(names) == 1 else "vårdnadshavarna ") + _and(names))
    text = "samtycke från " + " och ".join(who)
    if unseen:
        text += " samt samtycke " + ", ".join(unseen)
    else:   # the first end among them is when the disclosure lapses; unknown while one is not seen
        ends = [c["valid_until"] for c in seen if c.get("valid_until")]
        text += f", t.o.m. {min(ends)}" if ends else ", tills vidare"
    return text


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


_CAUSES = {
    "recorded": "uppgiften registrerades",
    "consent_granted": "samtycke {ids} lämnades",
    "consent_narrowed": "samtycke {ids} begränsades",
    "consent_withdrawn": "samtycke {ids} återkallades",
    "guardians_recorded": "vårdnadshavare och vårdnad registrerades",
    "member_joined": "{agency} gick med i gruppen",
    "member_left": "{agency} lämnade gruppen",
    "case_closed": "ärendet avslutades och gruppens arbete upphörde",
    "consent_starts": "samtycke {ids} började gälla",
    "consent_ends": "samtycke {ids} löpte ut",
    "turns_18": "den unge fyllde 18 år",
    "calendar": "ett datum passerades",
    "rules_changed": "utlämnandereglerna ändrades",
}


def describe_cause(causes: Iterable[Cause], catalogue: Catalogue) -> str:
    """Why a visibility change happened, in Swedish: "samtycke 1dcf27e0 återkallades"."""
    return "; ".join(_CAUSES.get(c.what, "okänd orsak ”" + c.what.replace("{", "(").replace("}", ")") + "”").format(
        ids=", ".join(i[:8] for i in c.consent_ids), agency=agency_name(c.agency, catalogue) if c.agency else "")
        for c in causes)


def replay_notes(created: datetime, as_of: datetime, now: datetime) -> list[str]:
    """What a replay's answer does not say by itself: the case did not exist yet, or the moment is to come (the
    command line's replay and the web client's say the same)."""
    if as_of < created:
        return [f"Obs: ärendet registrerades först {to_the_second(created)}; vid tidpunkten fanns det inte."]
    if as_of > _end_of_minute(now):
        return ["Obs: tidpunkten ligger i framtiden; svaret räknar med de händelser som är lagrade nu (ett"
                " samtycke som löper ut har då upphört), inte med vad som hinner hända innan dess."]
    return []


def _end_of_minute(now: datetime) -> datetime:
    """The last microsecond of the present minute: "now" typed to the minute (the replay form's default, which a
    browser sends without its seconds when they are :00) is replayed through that minute's end, a few seconds ahead
    of the clock — the present, not a moment to come (it was told "i framtiden")."""
    return now.replace(second=59, microsecond=999_999)


def to_the_second(at: datetime) -> str:
    """Swedish time to the second, with its zone (CET or CEST), as the command line and the web client's replay say
    a moment: two answers a minute apart can differ, and without the zone the hour the clocks go back reads twice."""
    return at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M:%S %Z")


def to_the_minute(at: datetime) -> str:
    """Swedish time to the minute, with its zone, as the printable report and the auditors' web pages show a row's
    time (the access log, the loggutdrag, the disclosure log)."""
    return at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M %Z")


def facts_count(n: int) -> str:
    """"1 uppgift", "3 uppgifter"."""
    return f"{n} uppgift" if n == 1 else f"{n} uppgifter"


def checkpoints_confirmed(n: int) -> str:
    """"1 signerad kontrollpunkt bekräftad", "12 signerade kontrollpunkter bekräftade" (it read "1 signerade
    kontrollpunkter bekräftade")."""
    return f"{n:,} signerad kontrollpunkt bekräftad" if n == 1 else f"{n:,} signerade kontrollpunkter bekräftade"


def access_log_checked(verdict: Any, *, numbered: bool = True) -> str:
    """The access log's check of the reads an answer shows (``services.access_chain.ShownVerdict``), in one line:
    whether the answer can be trusted to hold every read.  ``numbered``: name the log's own numbers (an auditor's
    answers); the young person's extract names none (they count the reads of every case in the installation)."""
    if verdict.intact:
        return (f"Åtkomstloggen kontrollerad: ingen läsning saknas i loggen, och de {verdict.shown:,} läsningar som"
                " visas här är de som skrevs.")
    if verdict.missing:
        n = verdict.missing
        where = f" (den första: läsning {verdict.seq})" if numbered else ""
        found = (f"{'en läsning saknas' if n == 1 else f'{n:,} läsningar saknas'} i loggen{where} – borttagna i"
                 " efterhand; vilket ärende de gällde går inte att se")
    elif numbered:
        found = verdict.swedish
    elif verdict.finding == "gone":
        found = "de senast skrivna läsningarna har tagits bort"
    else:
        found = "en läsning som visas här är inte den som skrevs"
    return f"Åtkomstloggen har ändrats: {found}. Det som visas här kan vara ofullständigt."


def describe_for_auditor(fact: Fact, catalogue: Catalogue, rows: Mapping[str, Sequence[Any]] | None = None) -> str:
    """``describe_fact``, and for a fact another agency recorded in its origin's name who did: "Mötet 2026-02-01,
    från Skolan: … (registrerad av Socialtjänsten)".  For auditors only: to a member, who recorded a meeting can
    itself be information it may not see."""
    described = describe_fact(fact, catalogue, rows)
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


def agency_name(agency: str, catalogue: Catalogue) -> str:
    """The agency's name; an id the catalogue does not know (a stored row altered, or an agency since removed) as
    it is."""
    known = catalogue.agencies.get(agency)
    return known.name if known is not None else agency


# Readers in the access log that are no agency of the catalogue: auditors' bodies, and Sigill's command line itself
# (`sigill audit`, `sigill views show`; ``services.principals.COMMAND_LINE``).  The web's Åtkomstlogg and `sigill
# audit access-log` take and name them alike.
READERS_OUTSIDE = {"jo": "JO", "ivo": "IVO", "sigill": "Sigills kommandorad"}


def reader_agency_name(agency: str, catalogue: Catalogue) -> str:
    """An access-log reader's agency by name: a catalogue agency's, JO, IVO or Sigill's command line; an id known to
    neither as it is."""
    known = catalogue.agencies.get(agency)
    return known.name if known is not None else READERS_OUTSIDE.get(agency, agency)


def _categories(ids: Any, catalogue: Catalogue) -> str:
    return ", ".join(catalogue.category(c).name.split(" (")[0].lower() for c in ids) or "ingenting"


def _consent(c: Mapping[str, Any], cat: Catalogue, verb: str) -> str:
    if "scope" in c:
        parts = "; ".join(f"{agency_name(a, cat)}: {_categories(cs, cat)}" for a, cs in c["scope"])
        return f"Samtycke från {c['consenter_name']} {verb} – {parts}"
    return f"Samtycke från {c['consenter_name']} {verb} – ni får ta del av: {_categories(c['categories'], cat)}"


def _instruments(ids: Any) -> str:
    """The assessment instruments in brackets, in Swedish; nothing when none was used (it read "()", and the
    instrument "other" read in English)."""
    return f" ({', '.join(INSTRUMENTS.get(i, i) for i in ids)})" if ids else ""


def _despite(cases: Any) -> str:
    """A referral social services confirmed past the young person's other open cases (a 409 possible_duplicate)."""
    numbers = [c["case_number"] for c in cases]
    return ("Registrerad trots öppet ärende " if len(numbers) == 1 else "Registrerad trots öppna ärenden ") + _and(
        numbers)


# Skatteverket's protections of a person's identity (domain.values.ProtectionKind), as the web and the logs say them.
PROTECTION_KINDS = {"sekretessmarkering": "sekretessmarkering", "skyddad_folkbokforing": "skyddad folkbokföring"}


def _protection(content: Mapping[str, Any]) -> str:
    """A `case.protected` fact: recorded (with its kind) or lifted, from its day."""
    if not content["protected"]:
        return f"Skyddade personuppgifter upphörde att gälla {content['since']}"
    kind = PROTECTION_KINDS.get(content["kind"], content["kind"])
    return f"Skyddade personuppgifter ({kind}) från {content['since']}"


def protection_history(facts: Iterable[Fact], when: Callable[[datetime], str]) -> list[str]:
    """Every `case.protected` fact of a case, in order, as an auditor's report lists them: what was recorded, from
    which day, and when it was recorded (``when`` says the time; the day it holds from may be earlier)."""
    return [f"{_protection(f.content)} (registrerat {when(f.recorded_at)})"
            for f in sorted((f for f in facts if f.kind == "case.protected"), key=fact_order)]


NO_PROTECTION_THEN = "Vid tidpunkten var inga skyddade personuppgifter registrerade för den unge."


def protection_then(at_moment: Mapping[str, Any]) -> str:
    """An auditor's replay's words for skyddade personuppgifter recorded at its moment (``{kind, since}``)."""
    kind = PROTECTION_KINDS.get(at_moment["kind"], at_moment["kind"])
    return f"Vid tidpunkten hade den unge skyddade personuppgifter ({kind}), gällande från {at_moment['since']}."


def marker_seen(told: bool, agency: str) -> str:
    """Whether the replayed agency (its name) saw the marker among what it was shown."""
    return f"{agency} såg markeringen." if told else \
        f"{agency} såg inte markeringen (den var inte bland det {agency} fick se)."


def protection_at_moment(at_moment: Mapping[str, Any] | None, told: bool, agency: str, any_now: bool) -> list[str]:
    """What an auditor's replay of ``agency`` at a moment says of skyddade personuppgifter, the command line's and
    the web client's alike: recorded then (``at_moment``), and whether the agency saw the marker (``told``); or,
    when there are some now (``any_now``), that there were none then.  Nothing when there never were."""
    if at_moment is not None:
        return [protection_then(at_moment) + " " + marker_seen(told, agency)]
    return [NO_PROTECTION_THEN] if any_now else []


# The group's meetings' kinds (domain.values.MeetingKind), as the web and the logs say them.
MEETING_KINDS = {"natverksmote": "nätverksmöte", "individmote": "individmöte"}


def _scheduled(content: Mapping[str, Any]) -> str:
    """A `meeting.scheduled` fact: the next meeting planned (with its kind when given), or called off."""
    if content.get("next_meeting") is None:
        return f"Nästa möte {content['called_off']} inställt"
    kind = MEETING_KINDS.get(content.get("meeting_kind") or "", "")
    return f"Nästa möte planerat {content['next_meeting']}" + (f" ({kind})" if kind else "")


def _masked(personnummer: str) -> str:
    return personnummer[:9] + "****"


_RENDERERS: dict[str, Callable[[Mapping[str, Any], Catalogue], str]] = {
    "case.opened": lambda c, cat: f"Ärende {c['case_number']} ({cat.municipality(c['municipality']).name})",
    "case.subject": lambda c, cat: f"Den unge: {c['name']}, {_masked(c['personnummer'])}",
    "referral": lambda c, cat: (f"Aktualisering ({ROUTES[c['entry_route']]}) från "
                                f"{agency_name(c['referring_agency'], cat)}: {c['summary']}"),
    "referral.duplicate_confirmed": lambda c, cat: _despite(c["open_cases"]),
    "eligibility": lambda c, cat: ("Beslut: aktuell för social insatsgrupp" if c["accepted"]
                                   else "Beslut: inte aktuell") + _instruments(c["instruments"]),
    "guardians": lambda c, cat: "Vårdnadshavare: " + ", ".join(
        f"{g['name']}{' (vårdnad)' if g['has_custody'] else ''}" for g in c["guardians"]),
    "consent.granted": lambda c, cat: _consent(c, cat, "lämnat")
    + (f" t.o.m. {c['valid_until']}" if c.get("valid_until") else ""),
    "consent.narrowed": lambda c, cat: _consent(c, cat, "begränsat"),
    "consent.withdrawn": lambda c, cat: f"Samtycke från {c['consenter_name']} återkallat",
    "member.joined": lambda c, cat: (f"{agency_name(c['agency'], cat)} med i gruppen "
                                     f"({c['contact_person']}, {c['role']})"),
    "member.left": lambda c, cat: f"{agency_name(c['agency'], cat)} lämnar gruppen: {c['reason']}",
    "plan.goal": lambda c, cat: f"Åtgärdsplan, revision {c['revision']}: huvudmål ”{c['main_goal']}”;"
                                f" {_drawn_up_with(c)}",
    "plan.row": lambda c, cat: f"Planrad {c['area']}: {c['goal']} (ansvarig: {c['responsible']})",
    "meeting": lambda c, cat: f"Nätverksmöte {c['held_on']}"
    + (f", nästa möte {c['next_meeting']}" if c.get("next_meeting") else ""),
    "meeting.attendee": lambda c, cat: f"Mötet {c['held_on']}: {agency_name(c['agency'], cat)} deltog",
    "meeting.outcome": lambda c, cat: f"Mötet {c['held_on']}, från {agency_name(c['origin_agency'], cat)}: {c['text']}",
    "meeting.decision": lambda c, cat: f"Mötet {c['held_on']}, beslut: {c['text']}",
    "meeting.scheduled": lambda c, cat: _scheduled(c),
    "contribution": lambda c, cat: f"Uppgift från {agency_name(c['agency'], cat)}: {c['text']}",
    "follow_up": _follow_up,
    "calendar": lambda c, cat: _calendar_moment(c),
    "case.protected": lambda c, cat: _protection(c),
    "case.closed": lambda c, cat: f"Ärendet avslutat ({CLOSURE_REASONS.get(c['reason'], c['reason']).lower()}):"
                                  f" {c['outcome']}",
}


# -- an agency's standing at a replay's moment (``domain.standing``): for auditors only ---------------------------

STANDING_TITLE = "Ställning vid tidpunkten (ur händelserna, enligt utlämnandereglerna)"


class StandingText(NamedTuple):
    """An agency's standing at a replay's moment in Swedish: ``why_nothing`` one sentence when it saw nothing (None
    when it saw something), ``sections`` (heading, lines) — the command line, the web client and the API say these."""

    why_nothing: str | None
    sections: list[tuple[str, list[str]]]


def describe_standing(standing: Standing, visible: int, catalogue: Catalogue, by_role: bool) -> StandingText:
    """``standing`` in Swedish; ``visible``: how many facts the agency saw then.  ``by_role``: guardians as
    "vårdnadshavare 1" (the command line: its output ends up in tickets and chats), else by name."""
    who = _consenter_label(standing, by_role)
    agency = agency_name(standing.agency, catalogue)
    sections = [("Medlemskap", [_membership(standing, agency)]),
                ("Ålder och vårdnad", [_age_and_custody(standing, who)]),
                (f"Samtycken i kraft där {agency} är mottagare",
                 [_held(c, standing, catalogue, who) for c in standing.consents] or ["inga"])]
    if standing.covers:
        sections.append((f"Kategorier som samtyckena i kraft nämner för {agency}",
                         [_cover(c, catalogue, who) for c in standing.covers]
                         + ["övriga kategorier: inget samtycke i kraft nämner dem"]))
    return StandingText(None if visible else _why_nothing(standing, agency, catalogue, who), sections)


def _consenter_label(standing: Standing, by_role: bool) -> Callable[[str], str]:
    roles = guardian_roles(standing.guardian_names)

    def label(consenter: str) -> str:
        if consenter == YOUNG_PERSON:
            return "den unge"
        if consenter == CUSTODY_UNKNOWN:
            return "vårdnadshavare med vårdnad (ingen är registrerad)"
        if by_role:
            return f"vårdnadshavare {roles[consenter]}" if consenter in roles else "en vårdnadshavare"
        return f"vårdnadshavaren {standing.guardian_names.get(consenter, consenter)}"
    return label


def _membership(st: Standing, agency: str) -> str:
    if st.lead:
        return (f"{agency} leder ärendet: ser ärendets administration som dess ägare, andra aktörers uppgifter bara"
                " genom samtycke eller lag.")
    if st.member:
        ended = "ärendet avslutades" if st.until_closed else "den lämnade gruppen"
        until = "" if st.until is None else f", till {to_the_second(st.until)} då {ended}"
        return f"Aktiv medlem i gruppen sedan {to_the_second(st.since)}{until}."
    if st.closed_at is not None and st.member_at_closure:
        return (f"Inte aktiv medlem: i gruppen sedan {to_the_second(st.since)}, men ärendet avslutades"
                f" {to_the_second(st.closed_at)}.")
    if st.left_at is not None:
        again = f"; gick med igen {to_the_second(st.joins_at)}" if st.joins_at is not None else ""
        return f"Inte medlem: lämnade gruppen {to_the_second(st.left_at)}{again}."
    if st.joins_at is not None:
        return f"Inte medlem ännu: gick med i gruppen först {to_the_second(st.joins_at)}."
    return "Inte medlem i gruppen, varken då eller senare."


def _age_and_custody(st: Standing, who: Callable[[str], str]) -> str:
    born = st.eighteenth_birthday.isoformat()
    if not st.under_18:
        return f"Den unge hade fyllt 18 år ({born}): bara den unges eget samtycke räknas, inte vårdnadshavarnas."
    if st.custodians is None:
        return (f"Den unge var under 18 år (fyller 18 år {born}) och ingen vårdnadshavare med vårdnad var registrerad:"
                " inget lämnas ut med stöd av samtycke.")
    return (f"Den unge var under 18 år (fyller 18 år {born}): samtycke krävs från den unge och från varje"
            f" vårdnadshavare med vårdnad – {_and([who(g) for g in st.custodians])}.")


def _held(c: HeldConsent, st: Standing, catalogue: Catalogue, who: Callable[[str], str]) -> str:
    until = f"t.o.m. {c.valid_until.isoformat()}" if c.valid_until else "tills vidare"
    order = list(catalogue.categories)   # as the categories' lines below list them
    ordered = sorted(c.categories, key=lambda x: order.index(x) if x in order else len(order))
    text = f"{who(c.consenter)}: {_categories(ordered, catalogue)}, {until} ({c.consent_id[:8]})"
    if c.counts:
        return text
    if not st.under_18:
        return text + " – räknas inte: den unge har fyllt 18 år"
    if st.custodians is None:
        return text + " – räknas inte: ingen vårdnadshavare med vårdnad är registrerad"
    return text + " – räknas inte: vårdnadshavaren hade inte vårdnad vid tidpunkten"


def _cover(c: Cover, catalogue: Catalogue, who: Callable[[str], str]) -> str:
    name = _categories((c.category,), catalogue)
    if c.covered:
        return f"{name}: täckt ({', '.join(i[:8] for i in c.consent_ids)})"
    if not c.missing:
        return f"{name}: inte täckt"
    return f"{name}: inte täckt – samtycke saknas från {_missing(c, who)}"


def _missing(c: Cover, who: Callable[[str], str]) -> str:
    lapses = dict(c.lapses)
    return _and([who(m) + _lapse(lapses.get(m)) for m in c.missing])


_LAPSES = {WITHDRAWN: "samtycke {id} återkallades {when}", EXPIRED: "samtycke {id} gällde t.o.m. {when}",
           NOT_STARTED: "samtycke {id} gäller först från {when}",
           NARROWED: "samtycke {id} begränsades och omfattar inte kategorin"}


def _lapse(lapses: tuple[Lapse, ...] | None) -> str:
    if lapses is None:   # custody unknown: nobody to name
        return ""
    if not lapses:
        return " (har inte lämnat något som omfattar den)"
    lapse = lapses[0]
    when = to_the_second(lapse.when) if isinstance(lapse.when, datetime) else (
        lapse.when.isoformat() if lapse.when else "")
    return " (" + _LAPSES[lapse.how].format(id=lapse.consent_id[:8], when=when) + ")"


def _why_nothing(st: Standing, agency: str, catalogue: Catalogue, who: Callable[[str], str]) -> str:
    why = st.why_nothing()
    if why == NOT_YET_A_MEMBER:
        return (f"{agency} var inte medlem i gruppen vid tidpunkten: den gick med först"
                f" {to_the_second(st.joins_at)}.")
    if why == NO_LONGER_A_MEMBER:
        return f"{agency} var inte längre medlem i gruppen: den lämnade den {to_the_second(st.left_at)}."
    if why == NEVER_A_MEMBER:
        return f"{agency} var inte medlem i gruppen, varken då eller senare."
    if why == CASE_CLOSED:
        return (f"Ärendet avslutades {to_the_second(st.closed_at)}: från avslutet lämnas inget ut till gruppens"
                " medlemmar med stöd av samtycke (utlämnandereglerna version 7).")
    if why == NO_CUSTODY:
        return ("Den unge var under 18 år och ingen vårdnadshavare med vårdnad var registrerad: inget lämnades ut med"
                " stöd av samtycke.")
    if why == CONSENT_MISSING:
        return _consent_missing(st, catalogue, who)
    if why == NOTHING_RECORDED:
        covered = [c.category for c in st.covers if c.covered]
        return (f"Samtyckena täckte {_categories(covered, catalogue)}, men inget i de kategorierna var registrerat"
                " vid tidpunkten.")
    return f"Inget samtycke i kraft vid tidpunkten hade {agency} som mottagare."


def _consent_missing(st: Standing, catalogue: Catalogue, who: Callable[[str], str]) -> str:
    """"Samtycke från den unge och vårdnadshavare 2 gällde, men inte från vårdnadshavare 1 (samtycke … återkallades
    …): inget i kategorierna ärendet, brottslighet var täckt." — one clause per set of consenters missing."""
    by_missing: dict[tuple[str, ...], list[Cover]] = {}
    for c in st.covers:
        if c.missing:
            by_missing.setdefault(c.missing, []).append(c)
    counted = list(dict.fromkeys(c.consenter for c in st.consents if c.counts))
    given = f"Samtycke från {_and([who(c) for c in counted])} gällde, men inte" if counted else "Samtycke saknades"
    clauses = [f"{given} från {_missing(covers[0], who)}: inget i"
               f" {'kategorin' if len(covers) == 1 else 'kategorierna'}"
               f" {_categories([c.category for c in covers], catalogue)} var täckt" for covers in by_missing.values()]
    return "; ".join(clauses) + "."
