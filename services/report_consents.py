"""The report's consents: each as it is at the report's moment beside its history in the events, and — in force —
whether it suffices, and since when not: whose consent is missing and how theirs lapsed (``domain.standing``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from html import escape
from typing import Any, Iterable, Sequence

from domain import case_events as ev
from domain.calendar import end_of_day, local_date
from domain.consent_parts import scope_parts, waiting_parts
from domain.judge import CUSTODY_UNKNOWN
from domain.disclosure import Replay
from domain.standing import EXPIRED, NOT_STARTED, WITHDRAWN, Cover, Lapse, standing_of
from domain.values import YOUNG_PERSON, Phase
from services.report_text import category_name, row_head, swedish_minute
from services.wording import agency_name


FORMS = {"written": "skriftligt", "oral_documented": "muntligt, dokumenterat"}


def consent_rows(case: Any, history: Sequence[Any], cat: Any, now: datetime) -> str:
    """The consents' table rows: each consent as it is at the report's moment ``now`` — consenter, purpose and form,
    recipients and categories, validity — beside its history from the events.  HTML."""
    changes = _consent_changes(history, cat)
    standings = _Standings(history, cat, case)
    return "".join(
        f"<tr>{row_head(escape(c.consent_id[:8]))}<td>{escape(_consenter(case, c.consenter))}</td>"
        f"<td>{escape(c.purpose)} ({escape(FORMS.get(c.form, c.form))})</td>"
        f"<td>{escape(_scope(c.scope, cat))}</td>"
        f"<td>{_validity(c, case, now, standings)}</td>"
        f"<td>{'<br>'.join(escape(line) for line in changes.get(c.consent_id, []))}</td></tr>"
        for c in case.consents.values())


def _consent_changes(history: Sequence[Any], cat: Any) -> dict[str, list[str]]:
    """Each consent's history in the events: what it first covered, every narrowing, its withdrawal — the table
    shows the consent as it is now, which alone would hide that a fact was once disclosed under a wider one."""
    changes: dict[str, list[str]] = {}
    for event in history:
        if isinstance(event, ev.ConsentGranted):
            changes.setdefault(event.consent_id, []).append(
                f"lämnat {swedish_minute(event.timestamp)}: {_scope(event.scope, cat)}; {event.valid_from} –"
                f" {event.valid_until or 'tills vidare'}")
        elif isinstance(event, ev.ConsentNarrowed):
            changes.setdefault(event.consent_id, []).append(
                f"begränsat {swedish_minute(event.timestamp)}: {_scope(event.scope, cat)}; till"
                f" {event.valid_until or 'tills vidare'}")
        elif isinstance(event, ev.ConsentWithdrawn):
            changes.setdefault(event.consent_id, []).append(f"återkallat {swedish_minute(event.timestamp)}")
    return changes


def _validity(consent: Any, case: Any, now: datetime, standing: _Standings) -> str:
    """A consent's dates, and — as the column tells the consent as it is at the report's moment ``now`` — that it no
    longer holds once withdrawn (the dates alone read as a consent in force until its last day), or, a guardian's, no
    longer counts: from the young person's 18th birthday (DOMAIN.md), or without custody now; or, in force and
    counting, that it does not suffice — parts of it, or all, wait for another consenter's consent (``_waiting``)."""
    notes = []
    eighteen = case.eighteenth_birthday
    if consent.consenter != YOUNG_PERSON:
        if local_date(now) >= eighteen and (consent.withdrawn_at is None
                                            or local_date(consent.withdrawn_at) >= eighteen):
            notes.append(f"räknas inte sedan den unge fyllde 18 år {eighteen}")
        elif consent.withdrawn_at is None and not getattr(case.guardians.get(consent.consenter), "has_custody", False):
            notes.append("räknas inte: lämnat av en vårdnadshavare som inte har vårdnaden nu")
    if consent.withdrawn_at is not None:
        notes.append(f"återkallat {swedish_minute(consent.withdrawn_at)}")
    if not notes:
        notes.extend(note for note in (_waiting(consent, case, now, standing),) if note)
    dates = f"{consent.valid_from} – {consent.valid_until or 'tills vidare'}"
    return dates + "".join(f"<br><strong>{escape(note)}</strong>" for note in notes)


class _Standings:
    """Each recipient's standing at an instant (``domain.standing``: the disclosure rules' own answer, from the
    case's events), asked once: which of a consent's parts its consents carry, whose are missing and how each one's
    lapsed.  The case folded once for each instant, whatever the recipient — and not at all at an instant after
    every event, where it is the case as it stands (``case``, the report's): ``standing_at`` folded the history for
    each recipient asked of."""

    def __init__(self, history: Sequence[Any], cat: Any, case: Any) -> None:
        self.history, self.cat = history, cat
        self._asked: dict[tuple[str, datetime], Any] = {}
        self._latest = max(e.timestamp for e in history)   # stamps need not rise: a clock may be behind
        self._cases: dict[datetime, Any] = {}
        self._case = case

    def _case_at(self, at: datetime) -> Any:
        """The case as ``Replay.advance_to(at)`` leaves it: the events up to the first one stamped after ``at``."""
        if at not in self._cases:
            if self._latest <= at:
                self._cases[at] = self._case
            else:
                replay = Replay(self.history, self.cat)
                replay.advance_to(at)
                self._cases[at] = replay.case
        return self._cases[at]

    def cover(self, agency: str, category: str, at: datetime) -> Cover | None:
        if (agency, at) not in self._asked:
            self._asked[agency, at] = standing_of(self._case_at(at), self.history, agency, at, self.cat)
        standing = self._asked[agency, at]
        return next((c for c in standing.covers if c.category == category), None) if standing is not None else None

    def missing(self, agency: str, category: str, at: datetime) -> tuple[str, ...]:
        cover = self.cover(agency, category, at)
        return cover.missing if cover is not None and not cover.covered else ()


def _waiting(consent: Any, case: Any, now: datetime, standing: _Standings) -> str | None:
    """A consent in force that does not suffice at ``now``: "I kraft t.o.m. 2027-02-11, men räcker inte sedan
    2026-03-20: samtycke saknas från vårdnadshavaren Maria Exempel (samtycke a3271655 återkallat 2026-03-20 09:00
    CET) – inget lämnas ut under det till Polisen (ärendet, brottslighet)", or "… det räcker för Skolan (skola), inte
    för Polisen (…)" when only some of its parts wait (``domain.consent_parts``, as the web's consents page says it).
    None when it suffices, is not in force, or the case is closed or declined: then no consent lets anything out,
    and none is "missing" (as the web says)."""
    if case.phase in (Phase.CLOSED, Phase.DECLINED) or not consent.in_force_at(now):
        return None
    waiting = waiting_parts(consent.scope, lambda agency, category: standing.missing(agency, category, now))
    if waiting is None:
        return None
    lapses: dict[str, dict[Lapse, None]] = {}
    # The parts by whose consents they wait for: the father's may cover the school and not the police, and one
    # list of every missing consenter read as if his were missing for the school too (a red team).
    by_missing: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for agency, category in waiting.parts:
        for consenter, found in standing.cover(agency, category, now).lapses:
            lapses.setdefault(consenter, {}).update(dict.fromkeys(found))
        by_missing.setdefault(tuple(standing.missing(agency, category, now)), []).append((agency, category))

    def who(missing: Sequence[str]) -> str:
        return _and_list([_missing_consenter(m, case, list(lapses.get(m, ()))) for m in missing])

    since = _waiting_since(consent, waiting.parts, now, standing)
    when = f" sedan {since}" if since is not None else ""
    head = f"I kraft {f't.o.m. {consent.valid_until}' if consent.valid_until else 'tills vidare'}, men räcker"
    cat = standing.cat
    enough = [part for part in scope_parts(consent.scope) if part not in waiting.parts]
    if len(by_missing) == 1:
        if waiting.whole:
            return (f"{head} inte{when}: samtycke saknas från {who(waiting.missing)} – inget lämnas ut under det till "
                    f"{_parts(waiting.parts, cat)}")
        return (f"{head}{when} inte för allt: samtycke saknas från {who(waiting.missing)} – det räcker för "
                f"{_parts(enough, cat)}, inte för {_parts(waiting.parts, cat)}")
    each = "; ".join(f"för {_parts(parts, cat)} saknas samtycke från {who(missing)}"
                     for missing, parts in by_missing.items())
    if waiting.whole:
        return f"{head} inte{when}: inget lämnas ut under det – {each}"
    return f"{head}{when} inte för allt: det räcker för {_parts(enough, cat)}, inte {each}"


def _waiting_since(consent: Any, parts: Sequence[tuple[str, str]], now: datetime,
                   standing: _Standings) -> date | None:
    """Since when the consent has not sufficed for ``parts``, when the events say it: each part's missing consents
    all lapsed (withdrawn or ended), and just before the first of them lapsed this consent carried the part (asked of
    the rules at that instant).  None when a missing consenter never gave one, or it was narrowed or has not begun,
    or the consent did not carry the part before: then the note says only that it does not suffice."""
    moments = []
    for agency, category in parts:
        cover = standing.cover(agency, category, now)
        lapsed = dict(cover.lapses)
        if not all(lapsed.get(m) for m in cover.missing):
            return None
        instants = [_lapsed_at(lapse) for m in cover.missing for lapse in lapsed[m]]
        if None in instants:
            return None
        first = min(instants)
        before = standing.cover(agency, category, first - timedelta(microseconds=1))
        if before is None or consent.consent_id not in before.consent_ids:
            return None
        moments.append(first)
    return local_date(max(moments))


def _lapsed_at(lapse: Lapse) -> datetime | None:
    if lapse.how == WITHDRAWN:
        return lapse.when
    if lapse.how == EXPIRED:
        return end_of_day(lapse.when)   # it holds through its last day
    return None


def _missing_consenter(consenter: str, case: Any, lapses: list[Lapse]) -> str:
    """Whose consent is missing, and what became of theirs: "vårdnadshavaren Maria Exempel (samtycke a3271655
    återkallat 2026-03-20 09:00 CET)"."""
    if consenter == CUSTODY_UNKNOWN:
        return "en vårdnadshavare med vårdnad (ingen är registrerad)"
    known = case.known_guardians.get(consenter)
    name = "den unge" if consenter == YOUNG_PERSON else (f"vårdnadshavaren {known.name}" if known else consenter)
    told = "; ".join(_lapse(lapse) for lapse in lapses) or "har inte lämnat något samtycke som omfattar det"
    return f"{name} ({told})"


def _lapse(lapse: Lapse) -> str:
    consent = f"samtycke {lapse.consent_id[:8]}"
    if lapse.how == WITHDRAWN:
        return f"{consent} återkallat {swedish_minute(lapse.when)}"
    if lapse.how == EXPIRED:
        return f"{consent} gällde t.o.m. {lapse.when}"
    if lapse.how == NOT_STARTED:
        return f"{consent} gäller först från {lapse.when}"
    return f"{consent} har begränsats och omfattar det inte längre"


def _parts(parts: Iterable[tuple[str, str]], cat: Any) -> str:
    """"Polisen (ärendet, brottslighet) och Skolan (skola)": the agencies in the scope's order."""
    by_agency: dict[str, list[str]] = {}
    for agency, category in parts:
        by_agency.setdefault(agency, []).append(category_name(category, cat).lower())
    return _and_list([f"{agency_name(a, cat)} ({', '.join(cs)})" for a, cs in by_agency.items()])


def _and_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


def _scope(scope, cat) -> str:
    return "; ".join(f"{agency_name(s.agency, cat)}: {', '.join(category_name(c, cat) for c in s.categories)}"
                     for s in scope)


def _consenter(case, consenter: str) -> str:
    return "den unge" if consenter == "young_person" else case.known_guardians[consenter].name
