"""Plain-text Swedish renderings of facts, for the command line, the report and the web client: one line a fact,
the vocabularies it is told in, a follow-up naming its plan row, a case list's plan column.

Personnummer are shown masked: terminal output ends up in tickets and chats.

How a basis and a cause are told is ``basis_text``; what auditors are told beside a fact, ``audit_text``; an
agency's standing at a replay's moment, ``standing_text``; skyddade personuppgifter, ``protection_text``; the
access log, ``access_log_text``; the words they all share, ``wording``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable, Iterable, Mapping, Sequence

from domain.calendar import STOCKHOLM
from domain.catalogue import Catalogue
from domain.facts import Fact, fact_order
from services.protection_text import describe_protection
from services.wording import agency_name, category_names, joined, rows_counted

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
YOUNG_PERSON_WORD = "den unge"   # the role alone: the command line's word, and a reader's without the name
STATUSES = {"achieved": "uppnått", "partly": "delvis uppnått", "not_achieved": "inte uppnått", "ongoing": "pågår"}


def describe_fact(fact: Fact, catalogue: Catalogue, rows: Mapping[str, Sequence[Any]] | None = None, *,
                  young_person: str = YOUNG_PERSON_WORD) -> str:
    """One line saying what the fact is, in Swedish.  ``rows`` (``plan_rows``: the plan rows the reader sees): a
    follow-up then names the row it follows up, when the reader sees it.  ``young_person``: the young person as the
    reader may name them within a sentence (the web's ``young_person_label(…, in_sentence=True)``, "Peter Exempel
    (den unge)" where its own view holds the name); by default the role word, as the command line says it."""
    if fact.kind == "follow_up" and rows:
        return _follow_up(fact.content, catalogue, followed_row(fact, rows))
    naming = _NAMING_THE_YOUNG_PERSON.get(fact.kind)
    if naming:
        return naming(fact.content, young_person)
    render = _RENDERERS.get(fact.kind)
    return render(fact.content, catalogue) if render else fact.kind


def _plan_goal(c: Mapping[str, Any], young_person: str) -> str:
    return (f"Åtgärdsplan, revision {c['revision']}: huvudmål ”{c['main_goal']}”;"
            f" {_drawn_up_with(c, young_person)}")


def _drawn_up_with(c: Mapping[str, Any], young_person: str) -> str:
    """Who drew a plan revision up, as the goal carries it (by guardian id only: counted, not named here).  A goal
    from before it was recorded, or recorded without it: "ej angivet"."""
    took_part, guardians = c.get("young_person_took_part"), c.get("guardians_took_part") or ()
    if took_part is None:
        return f"upprättad i samråd med {young_person}: ej angivet"
    said = "ja" if took_part else f"nej ({c.get('not_taking_part_reason') or 'skäl saknas'})"
    return f"upprättad i samråd med {young_person}: {said}; vårdnadshavare som deltog: {len(guardians)}"


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


def _follow_up(c: Mapping[str, Any], cat: Catalogue, row: str = "") -> str:
    of_row = f" av raden ”{row}”" if row else ""
    return f"Uppföljning{of_row} ({STATUSES[c['status']]}) från {agency_name(c['agency'], cat)}: {c['note']}"


def _calendar_moment(c: Mapping[str, Any], young_person: str) -> str:
    """A calendar fact: its moment is an instant (Stockholm midnight, stored in UTC), shown as the Swedish date it
    begins or ends (the UTC date of Stockholm midnight is the day before); the consent it concerns named, and the
    young person as the reader may name them."""
    if isinstance(c["at"], str):
        return c["what"]
    what = {"consent_starts": "Samtycke {id} börjar gälla", "consent_ends": "Samtycke {id} upphör att gälla",
            "turns_18": "{who} fyller 18 år"}[c["what"]].format(id=(c.get("consent_id") or "")[:8],
                                                               who=young_person[:1].upper() + young_person[1:])
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
    return f"rev. {revision}, {rows_counted(rows)} – {parts}"


def _consent(c: Mapping[str, Any], cat: Catalogue, verb: str) -> str:
    if "scope" in c:
        parts = "; ".join(f"{agency_name(a, cat)}: {category_names(cs, cat)}" for a, cs in c["scope"])
        return f"Samtycke från {c['consenter_name']} {verb} – {parts}"
    return f"Samtycke från {c['consenter_name']} {verb} – ni får ta del av: {category_names(c['categories'], cat)}"


def _until(c: Mapping[str, Any]) -> str:
    """A consent's end as its fact carries it (a narrowing's: as it left the consent), the way a grant says it; none
    to a recipient a narrowing left nothing, whom the end no longer concerns."""
    left_nothing = "scope" not in c and not c["categories"]
    return f" t.o.m. {c['valid_until']}" if c.get("valid_until") and not left_nothing else ""


def _instruments(ids: Any) -> str:
    """The assessment instruments in brackets, in Swedish; nothing when none was used (it read "()", and the
    instrument "other" read in English)."""
    return f" ({', '.join(INSTRUMENTS.get(i, i) for i in ids)})" if ids else ""


def _despite(cases: Any) -> str:
    """A referral social services confirmed past the young person's other open cases (a 409 possible_duplicate)."""
    numbers = [c["case_number"] for c in cases]
    opening = "Registrerad trots öppet ärende " if len(numbers) == 1 else "Registrerad trots öppna ärenden "
    return opening + joined(numbers)


# The group's meetings' kinds (domain.values.MeetingKind), as the web and the logs say them.
MEETING_KINDS = {"natverksmote": "nätverksmöte", "individmote": "individmöte"}
# A reader none of whose facts leaves a next meeting standing (the web's Möten, `views show --what meetings`):
# social services is told none is planned; a member in the same words whether one is planned it may not see or none.
NO_NEXT_MEETING = "Inget nästa möte är planerat."
NO_NEXT_MEETING_SHOWN = "Inget planerat möte att visa för er."


def _scheduled(content: Mapping[str, Any]) -> str:
    """A `meeting.scheduled` fact: the next meeting planned (with its kind when given), or called off."""
    if content.get("next_meeting") is None:
        return f"Nästa möte {content['called_off']} inställt"
    kind = MEETING_KINDS.get(content.get("meeting_kind") or "", "")
    return f"Nästa möte planerat {content['next_meeting']}" + (f" ({kind})" if kind else "")


def _on(day: object) -> str:
    """A decision's own date, where it has one (the timeline's time is when it was recorded)."""
    return f" {day}" if day else ""


def _masked(personnummer: str) -> str:
    return personnummer[:9] + "****"


_RENDERERS: dict[str, Callable[[Mapping[str, Any], Catalogue], str]] = {
    "case.opened": lambda c, cat: f"Ärende {c['case_number']} ({cat.municipality(c['municipality']).name})",
    "case.subject": lambda c, cat: f"Den unge: {c['name']}, {_masked(c['personnummer'])}",
    # Its own date, which the timeline's time (when it was recorded) is not: decisions and meetings are held to it.
    "referral": lambda c, cat: (f"Aktualisering {c['referral_date']} ({ROUTES[c['entry_route']]}) från "
                                f"{agency_name(c['referring_agency'], cat)}: {c['summary']}"),
    "referral.duplicate_confirmed": lambda c, cat: _despite(c["open_cases"]),
    "eligibility": lambda c, cat: (f"Beslut{_on(c.get('decided_on'))}: "
                                   + ("aktuell för social insatsgrupp" if c["accepted"] else "inte aktuell")
                                   + _instruments(c["instruments"])),
    "guardians": lambda c, cat: "Vårdnadshavare: " + ", ".join(
        f"{g['name']}{' (vårdnad)' if g['has_custody'] else ''}" for g in c["guardians"]),
    "consent.granted": lambda c, cat: _consent(c, cat, "lämnat") + _until(c),
    "consent.narrowed": lambda c, cat: _consent(c, cat, "begränsat") + _until(c),
    "consent.withdrawn": lambda c, cat: f"Samtycke från {c['consenter_name']} återkallat",
    "member.joined": lambda c, cat: (f"{agency_name(c['agency'], cat)} med i gruppen "
                                     f"({c['contact_person']}, {c['role']})"),
    "member.left": lambda c, cat: f"{agency_name(c['agency'], cat)} lämnar gruppen: {c['reason']}",
    "plan.row": lambda c, cat: f"Planrad {c['area']}: {c['goal']} (ansvarig: {c['responsible']})",
    "meeting": lambda c, cat: f"Nätverksmöte {c['held_on']}"
    + (f", nästa möte {c['next_meeting']}" if c.get("next_meeting") else ""),
    "meeting.attendee": lambda c, cat: f"Mötet {c['held_on']}: {agency_name(c['agency'], cat)} deltog",
    "meeting.outcome": lambda c, cat: f"Mötet {c['held_on']}, från {agency_name(c['origin_agency'], cat)}: {c['text']}",
    "meeting.decision": lambda c, cat: f"Mötet {c['held_on']}, beslut: {c['text']}",
    "meeting.scheduled": lambda c, cat: _scheduled(c),
    "contribution": lambda c, cat: f"Uppgift från {agency_name(c['agency'], cat)}: {c['text']}",
    "follow_up": _follow_up,
    "case.protected": lambda c, cat: describe_protection(c),
    "case.closed": lambda c, cat: f"Ärendet avslutat ({CLOSURE_REASONS.get(c['reason'], c['reason']).lower()}):"
                                  f" {c['outcome']}",
}

# The lines that speak of the young person, and so say them as the reader may name them (``describe_fact``).
_NAMING_THE_YOUNG_PERSON: dict[str, Callable[[Mapping[str, Any], str], str]] = {
    "plan.goal": _plan_goal,
    "calendar": _calendar_moment,
}
