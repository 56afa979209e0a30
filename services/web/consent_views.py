"""The consents as social services' pages show them, computed from what it may see (a ``Look``'s disclosures).

Pure functions: each consent as it stands now, the consent picture (which agency may see which category now, and
until when, asked of the disclosure rules' own ``Judge`` over a case rebuilt from the consent, guardian and
membership facts social services sees), whose consent is missing, a new consent's form filled from another's scope,
and who may consent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any, Iterable, Sequence

from domain.calendar import birthday, local_date
from domain.catalogue import Catalogue
from domain.consent_parts import waiting_parts
from domain.facts import Fact
from domain.judge import CUSTODY_UNKNOWN, Disclosure, Judge, missing_consents
from domain.values import YOUNG_PERSON, ConsentRecord, Guardian, Phase, ScopeEntry, scope_pairs
from services.basis_text import describe_basis, known_consents, lapses
from services.web import texts
# The consenters as a page names them: the timeline names them too (``views``), these pages from here.
from services.web.views import facts_seen, guardian_label, guardians, members, phase_of, young_person_label
from services.wording import agency_name


@dataclass(frozen=True)
class ConsentRow:
    record: ConsentRecord
    consenter_name: str
    state: str           # "in_force" | "not_yet" | "expired" | "withdrawn"


def consents(disclosures: Sequence[Disclosure], now: datetime) -> list[ConsentRow]:
    """Every consent as social services sees it (the owner's whole copy), as it stands now."""
    records: dict[str, ConsentRecord] = {}
    names: dict[str, str] = {}
    young_person = young_person_label(disclosures)
    for f in facts_seen(disclosures, "consent.granted", "consent.narrowed", "consent.withdrawn"):
        c = f.content
        if "scope" not in c:
            continue  # a recipient's part: the page for the owner uses the whole consent
        scope = tuple(ScopeEntry(a, tuple(cs)) for a, cs in c["scope"])
        # Each consenter with the role, as the extract and the consent form name them ("Maria (vårdnadshavare)").
        names[c["consent_id"]] = (young_person if c["consenter"] == YOUNG_PERSON
                                  else guardian_label(c["consenter_name"]))
        if f.kind == "consent.granted":
            records[c["consent_id"]] = ConsentRecord(
                c["consent_id"], c["consenter"], scope, c["purpose"], c["valid_from"], c["valid_until"], c["form"],
                f.recorded_at, granted_scope=scope)
        elif c["consent_id"] in records and f.kind == "consent.narrowed":
            records[c["consent_id"]] = replace(records[c["consent_id"]], scope=scope, valid_until=c["valid_until"])
        elif c["consent_id"] in records:
            records[c["consent_id"]] = replace(records[c["consent_id"]], withdrawn_at=f.recorded_at)
    return [ConsentRow(r, names[r.consent_id], _state(r, now)) for r in records.values()]


def _state(record: ConsentRecord, now: datetime) -> str:
    if record.withdrawn_at is not None and record.withdrawn_at <= now:
        return "withdrawn"
    if record.in_force_at(now):
        return "in_force"
    return "not_yet" if record.valid_until is None or local_date(now) <= record.valid_until else "expired"


@dataclass(frozen=True)
class Cell:
    visible: bool
    until: date | None = None       # when the sight lapses (``lapses``); None: until further notice
    basis: str = ""
    pending: bool = False           # consent covers it, but the agency is not in the group (yet)
    missing: tuple[str, ...] = ()   # not visible: whose consent is missing while others' cover it
    consent_ids: tuple[str, ...] = ()   # visible or pending: the consents it rests on


@dataclass
class Picture:
    """Which agency may see which category now, under consent, and when that lapses."""

    agencies: list[str]
    categories: list[str]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    member: dict[str, bool] = field(default_factory=dict)
    turns_18: date | None = None    # while under 18: the day guardians' consents stop counting
    young_person: str = "Den unge"  # who turns 18, as the reader may name them (``young_person_label``)
    closed: bool = False            # the case is closed: no member sees anything under consent any more
    closed_on: date | None = None   # the day it was closed (Stockholm), for the cards: "… sedan ärendet avslutades"
    declined: bool = False          # found not eligible: no group is formed, no consent is granted any more


_PROBE_ORIGIN = "\x00nobody"  # a fact from no agency: only consent can make it visible


def case_seen(disclosures: Sequence[Disclosure], rows: Sequence[ConsentRow]) -> Any | None:
    """The case as the disclosure rules' ``Judge`` needs it, rebuilt from what social services sees (the young
    person's birth date, the group, the consents ``rows``, custody, the closure); None without the subject."""
    subject = facts_seen(disclosures, "case.subject")
    if not subject:
        return None
    closed = bool(facts_seen(disclosures, "case.closed"))   # the group's work ended with it (rules version 7)
    return SimpleNamespace(
        born=subject[0].content["birth_date"], members=members(disclosures), phase=Phase.CLOSED if closed else None,
        consents={r.record.consent_id: r.record for r in rows},
        guardians={g["guardian_id"]: Guardian(g["guardian_id"], g["name"], g["has_custody"])
                   for g in guardians(disclosures)})


def picture(disclosures: Sequence[Disclosure], catalogue: Catalogue, now: datetime) -> Picture | None:
    rows = consents(disclosures, now)
    case = case_seen(disclosures, rows)
    if case is None:
        return None
    young_person = young_person_label(disclosures, in_sentence=True)
    group = case.members
    closure = facts_seen(disclosures, "case.closed")   # the group's work ended with it (rules version 7)
    closed = case.phase is Phase.CLOSED
    declined = not closed and phase_of(disclosures) == "declined"   # no agency joins it, no consent is given
    named = {e.agency for r in rows for e in r.record.scope}
    # Social services is in the picture once a consent names it: the members' contributions reach it by consent.
    lead = catalogue.lead_agency
    taking_part = {**group, lead: None}
    agencies = sorted(named | set(group), key=lambda a: agency_name(a, catalogue))
    result = Picture(agencies, list(catalogue.categories), member={a: a in taking_part for a in agencies},
                     closed=closed, closed_on=local_date(closure[-1].recorded_at) if closure else None,
                     declined=declined)
    result.turns_18 = turns_18_on(disclosures, now)
    result.young_person = young_person_label(disclosures)
    records = {r.record.consent_id: r.record for r in rows}
    known = known_consents(d.fact for d in disclosures)
    for agency in agencies:
        if declined and agency not in taking_part:   # it never joins: nothing to show "när den är med i gruppen"
            result.cells.update({(agency, category): Cell(False) for category in result.categories})
            continue
        # An agency outside the group sees nothing; show what consent would let it see once it joins.
        as_member = (case if agency in taking_part
                     else SimpleNamespace(**{**vars(case), "members": {**group, agency: None}}))
        judge = Judge(as_member, agency, now, catalogue)
        # Another agency's probe is a fact social services records, which consent alone carries: one from no
        # agency was taken for a member's, whose part in the case is `case`, so a consent to `school` without
        # `case` read "–" while the school saw the plan's school rows under it.
        origin = _PROBE_ORIGIN if agency == lead else lead
        for category in result.categories:
            probe = Fact("probe", 0, "probe", category, origin, now, {})
            basis = judge.basis_for(probe)
            if basis is None:   # on a declined or closed case no consent opens anything: none is "missing"
                result.cells[agency, category] = Cell(
                    False, missing=() if declined or closed else _missing(case, agency, category, now, young_person))
                continue
            part = frozenset({(agency, category)})
            bounding = [_bounding(records[c], part) for c in basis.consent_ids]
            result.cells[agency, category] = Cell(
                agency in taking_part, lapses(bounding, recipient=agency),
                describe_basis(basis, catalogue, _needing(known, part), young_person=young_person, recipient=agency),
                pending=agency not in taking_part, consent_ids=basis.consent_ids)
    return result


def _bounding(record: ConsentRecord, part: frozenset[tuple[str, str]]) -> dict[str, Any]:
    """A consent of a cell's basis as ``lapses`` reads it: the cell is the one part it needs, which the judge chose
    the consent for covering — so one person's two consents to it last to the later one's end, and its other parts
    (an earlier end to another category) do not bound the cell."""
    return {"consenter": record.consenter, "valid_until": record.valid_until, "covers": part}


def _needing(known: dict[str, dict[str, Any]], part: frozenset[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """``known`` as a cell's basis needs it, each consent's cover the cell's part alone: its title tells the cell's
    end (the basis's text takes every part a consent covers as needed)."""
    return {c: {**consent, "covers": consent.get("covers", frozenset()) & part} for c, consent in known.items()}


def custody_stopped_sharing(disclosures: Sequence[Disclosure], catalogue: Catalogue, now: datetime) -> bool:
    """Whether the latest guardians recorded stopped a disclosure under consent that was in force without them: a
    guardian given custody while the young person is under 18, whose consent every disclosure then waits for.  The
    picture now beside the one of the same facts without that record (what social services sees in both); only custody
    given under 18 takes a disclosure away (a guardian's consent counts, and is needed, only then)."""
    recorded = facts_seen(disclosures, "guardians")
    if not recorded:
        return False
    before = picture([d for d in disclosures if d.fact is not recorded[-1]], catalogue, now)
    after = picture(disclosures, catalogue, now)
    return before is not None and after is not None and bool(_shared(before) - _shared(after))


def _shared(picture_: Picture) -> set[tuple[str, str]]:
    """The agency × category pairs disclosed now under consent."""
    return {key for key, cell in picture_.cells.items() if cell.visible and cell.consent_ids}


NO_CUSTODY = "vårdnadshavare med vårdnad (ingen är registrerad)"


def _missing(case: Any, agency: str, category: str, now: datetime, young_person: str) -> tuple[str, ...]:
    """Whose consent is missing for ``agency`` to see ``category`` now, when someone's in force covers it: the rule
    of DOMAIN.md (under 18 the young person's and every custodial guardian's; from 18 the young person's alone),
    from the consents social services sees (all of them).  () when nobody's covers it: then nothing is "missing"
    but a consent altogether, which the "–" says."""
    return missing_labels(missing_consents(case, agency, category, now) or (), case.guardians, young_person)


def missing_labels(missing: Iterable[str], guardians_by_id: dict[str, Guardian],
                   young_person: str) -> tuple[str, ...]:
    """Consenters whose consents are missing (``missing_consents``), as a page names them; ``young_person`` is the
    young person as the reader may name them (``young_person_label(…, in_sentence=True)``)."""
    return tuple(NO_CUSTODY if c == CUSTODY_UNKNOWN else consenter_label(c, guardians_by_id, young_person)
                 for c in missing)


def consenter_label(consenter: str, guardians_by_id: dict[str, Guardian], young_person: str) -> str:
    if consenter == YOUNG_PERSON:
        return young_person
    known = guardians_by_id.get(consenter)
    return guardian_label(known.name) if known is not None else consenter


def idle(picture_: Picture | None, rows: Sequence[ConsentRow]) -> dict[str, tuple[int, int, tuple[str, ...]]]:
    """For each consent in force: how many of its scope's parts (agency × category) disclose nothing now for want
    of another consenter's consent, of how many, and whose consents are missing — "gäller" alone misled: a consent
    in force without a guardian's beside it lets nothing out (``domain.consent_parts``, which the supervisor's
    report says too).  Only consents with such parts are listed."""
    if picture_ is None:
        return {}

    def missing_for(agency: str, category: str) -> tuple[str, ...]:
        cell = picture_.cells.get((agency, category))
        return cell.missing if cell is not None else ()

    result = {}
    for row in rows:
        if row.state != "in_force":
            continue
        waiting = waiting_parts(row.record.scope, missing_for)
        if waiting is not None:
            result[row.record.consent_id] = (len(waiting.parts), waiting.of, waiting.missing)
    return result


@dataclass(frozen=True)
class NarrowingChange:
    """What a narrowing form sent would take from its consent: the recipients' categories unticked, and the earlier
    end (None: the end stays)."""

    removed: tuple[tuple[str, str], ...]
    ends: date | None
    unchanged: bool   # the scope and end as they are: the domain refuses it as a narrowing that changes nothing


def narrowing_change(record: ConsentRecord, typed: Any) -> NarrowingChange:
    """``typed`` (a narrowing form sent) against the consent it narrows.  A blank end keeps the consent's (as the
    domain reads it); an end not a date, or not earlier, is no earlier end (the form or the domain refuses it)."""
    before = scope_pairs(record.scope)
    sent = {(agency, category) for agency, _, category in (v.partition(":") for v in typed.getlist("scope"))}
    removed = tuple(sorted(before - sent))
    written = typed.get("valid_until").strip()
    try:
        end = date.fromisoformat(written) if written else record.valid_until
    except ValueError:
        end = None
    ends = end if end is not None and (record.valid_until is None or end < record.valid_until) else None
    unchanged = sent == before and ((not written) or end == record.valid_until)
    return NarrowingChange(removed, ends, unchanged)


def narrowing_errors(record: ConsentRecord, typed: Any, errors: dict[str, str]) -> dict[str, str]:
    """A narrowing that changes nothing said so, whether refused for its box or by the domain ("får bara ta bort
    …" read as if something had been added); any other refusal (a date, the case changed) as it was."""
    if set(errors) <= {"scope", "confirm"} and narrowing_change(record, typed).unchanged:
        return {"scope": texts.T["narrowing_unchanged"]}
    return errors


def short_id(consent_id: str) -> str:
    """A consent's id as its card shows it (and the link to a new consent with the same scope names it)."""
    return consent_id[:8]


def same_scope(rows: Sequence[ConsentRow], shown: str, agencies: Iterable[str], categories: Iterable[str],
               today: date) -> dict[str, Any] | None:
    """A new consent's form filled from the consent whose card shows the id ``shown`` (``?samma_som=``): its
    scope as it stands now, only the recipients and categories the form still offers, its purpose and its end —
    three consents (the young person's and two guardians') are mostly the same, and each was 99 boxes to tick.
    Not who consents, nor how (written or oral): that is each consenter's own, for the caseworker to choose.  It
    starts today if the consent copied started earlier (a consent given now is not recorded as given before),
    and ends when it ends unless that is before the new one starts (then the end is left for the caseworker to
    write: a consent cannot end before it starts, and the empty field would read "tills vidare" only if left so).
    None for an id no consent of the page has, or more than one: the page then shows the empty form."""
    found = [r.record for r in rows if short_id(r.record.consent_id) == shown]
    if len(found) != 1:
        return None
    record, offered_agencies, offered_categories = found[0], set(agencies), set(categories)
    starts = max(record.valid_from, today)
    return {"scope": [f"{s.agency}:{c}" for s in record.scope if s.agency in offered_agencies
                      for c in s.categories if c in offered_categories],
            "purpose": record.purpose, "valid_from": starts.isoformat(),
            "valid_until": record.valid_until.isoformat() if record.valid_until and record.valid_until >= starts
            else None}


def extract_recipients(disclosures: Sequence[Disclosure], now: datetime) -> list[tuple[str, str]]:
    """Whom the extract may be made for now (``Case.check_extract_for``): the young person, and while they are under
    18 each guardian with custody.  The young person by name and role, as a guardian is: the printed extract read
    "Utdrag för: Den unge", a role a young person handed the paper (or a reader filing it) could not tie to anyone.
    The name is on the page only — the address keeps ``young_person`` and the access log ``extract``."""
    return consenters_now(disclosures, now)


def consenters_now(disclosures: Sequence[Disclosure], now: datetime) -> list[tuple[str, str]]:
    """Who may give a consent now (``Case.grant_consent``): the young person, and while they are under 18 each
    guardian with custody — from the 18th birthday a guardian's consent no longer counts, and is refused."""
    under_18 = not turned_18(disclosures, now)
    return consenters(disclosures) if under_18 else [(YOUNG_PERSON, young_person_label(disclosures))]


def turned_18(disclosures: Sequence[Disclosure], now: datetime) -> bool:
    """Whether the young person is 18 or older now (or not seen: then only their own consent is offered)."""
    return turns_18_on(disclosures, now) is None


def turns_18_on(disclosures: Sequence[Disclosure], now: datetime) -> date | None:
    """The young person's 18th birthday while it is still ahead in Sweden (when guardians' consents stop counting);
    None from that day, or when the young person is not seen."""
    subject = facts_seen(disclosures, "case.subject")
    eighteen = birthday(subject[0].content["birth_date"], 18) if subject else None
    return eighteen if eighteen is not None and local_date(now) < eighteen else None


def consenters(disclosures: Sequence[Disclosure]) -> list[tuple[str, str]]:
    """Who may give a consent: the young person, and each guardian with custody."""
    return [(YOUNG_PERSON, young_person_label(disclosures))] + [
        (g["guardian_id"], guardian_label(g["name"])) for g in guardians(disclosures) if g["has_custody"]]
