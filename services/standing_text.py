"""What an auditor's replay says beside the facts it shows, in Swedish: an agency's standing at the replay's moment
(``domain.standing``: membership, age and custody, the consents in force and what they cover, why it saw nothing),
and the notes on a moment before the case existed or still to come.

Apart because it is for auditors only (no agency's view, feed or page shows a standing), and the command line, the
web client and the API say it alike.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, NamedTuple

from domain.catalogue import Catalogue
from domain.judge import CUSTODY_UNKNOWN
from domain.standing import (CASE_CLOSED, CONSENT_MISSING, EXPIRED, NARROWED, NEVER_A_MEMBER, NO_CUSTODY,
                             NO_LONGER_A_MEMBER, NOT_STARTED, NOT_YET_A_MEMBER, NOTHING_RECORDED, WITHDRAWN, Cover,
                             HeldConsent, Lapse, Standing)
from domain.values import YOUNG_PERSON
from services.basis_text import guardian_roles
from services.wording import agency_name, category_names, joined, to_the_second


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
            f" vårdnadshavare med vårdnad – {joined([who(g) for g in st.custodians])}.")


def _held(c: HeldConsent, st: Standing, catalogue: Catalogue, who: Callable[[str], str]) -> str:
    until = f"t.o.m. {c.valid_until.isoformat()}" if c.valid_until else "tills vidare"
    # As the consent's scope holds them (``scope_for``), and every other line telling a scope lists them.
    text = f"{who(c.consenter)}: {category_names(c.categories, catalogue)}, {until} ({c.consent_id[:8]})"
    if c.counts:
        return text
    if not st.under_18:
        return text + " – räknas inte: den unge har fyllt 18 år"
    if st.custodians is None:
        return text + " – räknas inte: ingen vårdnadshavare med vårdnad är registrerad"
    return text + " – räknas inte: vårdnadshavaren hade inte vårdnad vid tidpunkten"


def _cover(c: Cover, catalogue: Catalogue, who: Callable[[str], str]) -> str:
    name = category_names((c.category,), catalogue)
    if c.covered:
        return f"{name}: täckt ({', '.join(i[:8] for i in c.consent_ids)})"
    if not c.missing:
        return f"{name}: inte täckt"
    return f"{name}: inte täckt – samtycke saknas från {_missing(c, who)}"


def _missing(c: Cover, who: Callable[[str], str]) -> str:
    lapses = dict(c.lapses)
    return joined([who(m) + _lapse(lapses.get(m)) for m in c.missing])


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
        return (f"Samtyckena täckte {category_names(covered, catalogue)}, men inget i de kategorierna var registrerat"
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
    given = f"Samtycke från {joined([who(c) for c in counted])} gällde, men inte" if counted else "Samtycke saknades"
    clauses = [f"{given} från {_missing(covers[0], who)}: inget i"
               f" {'kategorin' if len(covers) == 1 else 'kategorierna'}"
               f" {category_names([c.category for c in covers], catalogue)} var täckt"
               for covers in by_missing.values()]
    return "; ".join(clauses) + "."
