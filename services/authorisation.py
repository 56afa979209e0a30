"""Who may do what with a case: roles first, then the user's place in the case.

A user who is not in a case is told it does not exist (404), so its
existence is not revealed; a user in the case who may not do a thing gets
403.

Every case belongs to the municipality whose social services leads it, and a
member agency takes part in it as that municipality's school, police, BUP …:
a member's user is in a case only when their agency is in the group *and*
their sign-in names the case's municipality.  A consent to "skolan" is a
consent to the young person's school, not to every school of the installation.

An agency's integrating system signs in with the role ``feed_reader``: it reads its own agency's feed in its
own municipality (``check_reads_feeds``, ``services.feeds``) and nothing else — no case, list, statistics, audit
or web page.  Roles add up: a token with ``feed_reader`` and a person's role keeps that role's rights.

A national evaluator (``evaluator``, utvärderare: Socialstyrelsen, or a researcher it has given access) reads the
de-identified follow-up statistics of any municipality (``check_reads_statistics``) and nothing else — no case, case
list, feed, access log or audit page: the evaluation the government ordered (seed ``000_…``) needs the figures, and
nothing in the figures is any one young person's.

What content a permitted reader sees is never decided here: the disclosure
rules decide every fact.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Callable, Sequence

from domain.case_rules import in_the_group
from domain.catalogue import Catalogue
from domain.errors import DomainError, UnknownPlanRow
from services.errors import CaseNotFound
from services.principals import SOCIAL_SERVICES_ROLES, Principal, Role


class Forbidden(DomainError):
    code = "forbidden"


class NoMunicipality(Forbidden):
    """The sign-in names no municipality, and the user's role works in one municipality's groups."""

    code = "no_municipality"


class SystemSignIn(Forbidden):
    """A system's sign-in (``feed_reader`` alone) where a person's is needed: the web client is for people."""

    code = "system_sign_in"


def check_a_person(p: Principal) -> None:
    if p.is_system:
        raise SystemSignIn("this sign-in is an integrating system's (role feed_reader): it reads its agency's feed"
                           " through the API, and the web client is for people")


class Place(str, Enum):
    """The user's place in one case."""

    LEAD = "lead"          # social services of the case's municipality
    MEMBER = "member"      # a contact person of an agency in the group
    AUDITOR = "auditor"    # JO, IVO: everything, read only


class Kind(str, Enum):
    """What a command is, for authorisation."""

    ADMINISTRATION = "administration"  # social services of the municipality only
    GROUP_WORK = "group_work"          # social services and the group's member agencies


def is_social_services(p: Principal, catalogue: Catalogue) -> bool:
    return p.agency == catalogue.lead_agency and p.has(*SOCIAL_SERVICES_ROLES)


def is_municipal_social_services(p: Principal, catalogue: Catalogue) -> bool:
    """Social services (the catalogue's lead agency, handläggare or samordnare) signed in to a municipality: who opens
    its cases and reads its statistics and its cases due for culling (the checks above and below refuse the rest)."""
    return is_social_services(p, catalogue) and bool(p.municipality)


def is_member_user(p: Principal, catalogue: Catalogue) -> bool:
    """A contact person of a member agency (social services' own accounts never are, whatever their roles)."""
    return p.has(Role.MEMBER) and p.agency != catalogue.lead_agency


def check_may_open_case(p: Principal, municipality: str, catalogue: Catalogue) -> None:
    if not is_social_services(p, catalogue):
        raise Forbidden("only social services (handläggare or samordnare) receive referrals")
    if not p.municipality:
        raise NoMunicipality("your sign-in names no municipality (the token's municipality claim): social services"
                             " opens cases in its own municipality; ask your identity provider's administrator to"
                             " add it")
    # Left out of the referral, it is the sign-in's municipality: a 422 at the body's field blamed the client.
    check_sign_in_municipality_known(p, catalogue)
    if p.municipality != municipality:
        raise Forbidden("you can only open cases in your own municipality", field="municipality")


CASE_ROLES = (Role.CASEWORKER, Role.COORDINATOR, Role.MEMBER, Role.AUDITOR)   # the roles that read case content


def check_reads_cases(p: Principal, catalogue: Catalogue) -> None:
    """Administrators configure the system: they never read case content, nor does an agency's integrating system
    (feed_reader), which reads its agency's feed alone; everyone else but auditors works in one municipality's
    groups, which their sign-in must name — one the catalogue knows."""
    if not p.has(*CASE_ROLES):
        if p.is_system:
            raise Forbidden("a feed_reader's sign-in reads its own agency's feed (/api/v1/feeds/<agency>) and"
                            " nothing else")
        if p.has(Role.EVALUATOR):
            raise Forbidden("an evaluator reads the de-identified follow-up statistics (/api/v1/statistics) and"
                            " nothing else")
        raise Forbidden("your role does not give access to case content")
    _check_sign_in_municipality(p, catalogue)


def check_reads_feeds(p: Principal, catalogue: Catalogue) -> None:
    """Whoever reads case content may read a feed (which one: ``services.feeds``), and so may an agency's integrating
    system (feed_reader) — in its sign-in's municipality, as a member's or a caseworker's sign-in."""
    if not p.has(*CASE_ROLES, Role.FEED_READER):
        raise Forbidden("your role does not give access to case content")
    _check_sign_in_municipality(p, catalogue)


def _check_sign_in_municipality(p: Principal, catalogue: Catalogue) -> None:
    if not p.municipality and not p.has(Role.AUDITOR):
        raise NoMunicipality("your sign-in names no municipality (the token's municipality claim): social services and"
                        " member agencies (and their systems) work in one municipality's groups; ask your identity"
                        " provider's administrator to add it")
    check_sign_in_municipality_known(p, catalogue)


def check_sign_in_municipality_known(p: Principal, catalogue: Catalogue) -> None:
    """A claim of the sign-in, not a field of the request: a 422 naming "municipality" blamed the client.  Its value
    is not said back: a claim is whatever the identity provider put there."""
    if p.municipality and p.municipality not in catalogue.municipalities:
        raise Forbidden("your sign-in names a municipality (the token's municipality claim) that this installation"
                        " does not know; ask your identity provider's administrator")


def place_in(p: Principal, case: Any, catalogue: Catalogue, *, seen: Callable[[], Sequence[Any]]) -> Place:
    """The user's place in ``case`` as it stands; CaseNotFound for anyone outside it.  ``seen``: what the user's
    agency sees of the case now (the disclosure rules' answer), asked only of a member's user.

    A member agency is in the case only while it sees something of it, and only while the group works: once the case
    is closed, as once the agency left the group, the case is no longer there for it (rules version 7 — what it
    recorded itself stays in its view and its feed, which are its own).  Being in the group is itself secret —
    `case` reaches an agency only through consent, or as its origin — so a member no consent lets see the case
    is told it does not exist, as an outsider is: found by number, read, or written to, a case must not answer a
    member it may not know of."""
    check_reads_cases(p, catalogue)
    if p.has(Role.AUDITOR):
        return Place.AUDITOR
    if is_social_services(p, catalogue) and p.municipality == case.municipality:
        return Place.LEAD
    if (is_member_user(p, catalogue) and in_the_group(case, p.agency) and p.municipality == case.municipality
            and seen()):
        return Place.MEMBER
    raise CaseNotFound("no such case", field="case_id")


def check_may_command(p: Principal, case: Any, kind: Kind, catalogue: Catalogue, *,
                      seen: Callable[[], Sequence[Any]]) -> Place:
    place = place_in(p, case, catalogue, seen=seen)
    if place is Place.AUDITOR:
        raise Forbidden("auditors read; they do not change cases")
    if kind is Kind.ADMINISTRATION and place is not Place.LEAD:
        raise Forbidden("only social services of the case's municipality administers the case")
    return place   # a member of a closed case is not placed in it (``place_in``): "it is closed" would tell the phase


def check_row_seen(place: Place, row_id: Any, revision: int, seen: Callable[[], Sequence[Any]]) -> None:
    """A member follows up only a plan row it sees now, in the plan's current ``revision``.  A row it may not see
    (one of a category its consents no longer cover, or carried forward into one) is no row to it, in the domain's
    words for an id that names none: recorded, or refused as "not yours", a follow-up told it whether that row was
    still in the plan and still its own.  An earlier revision's row it still sees does not count: the row may have
    been carried forward under another category since."""
    if place is Place.MEMBER and not any(d.fact.kind == "plan.row" and d.fact.content["row_id"] == row_id
                                         and d.fact.content["revision"] == revision for d in seen()):
        raise UnknownPlanRow("no such row in the current action plan", field="row_id")


def check_reads_as_agency(place: Place) -> None:
    """An agency's view is for the agency; auditors replay any agency's view instead."""
    if place is Place.AUDITOR:
        raise Forbidden("auditors read cases through the audit endpoints (replay, facts, disclosure log)")


def check_auditor(p: Principal) -> None:
    if not p.has(Role.AUDITOR):
        raise Forbidden("only auditors (JO, IVO) may do this")


def check_reads_statistics(p: Principal, municipality: str, catalogue: Catalogue) -> None:
    """De-identified follow-up statistics: social services (handläggare, samordnare) of that municipality, and
    auditors and evaluators of any.  Members and administrators are refused whatever they ask; the municipality is
    checked against the catalogue by the caller (an unknown one is the request's mistake, 422), the sign-in's here."""
    if p.has(Role.EVALUATOR):
        return   # whatever municipality its sign-in names, if any: a national evaluation reads every one
    _check_municipal_overview(p, municipality, catalogue, "follow-up statistics",
                              "the statistics of their own municipality", "auditors and evaluators")


def reads_statistics_as_they_stand(p: Principal, municipality: str, catalogue: Catalogue) -> bool:
    """Whether the user reads a municipality's statistics as its cases stand now (auditors, its social services:
    they may read the cases themselves, so two runs' difference tells them nothing more).  An evaluator, who may
    read no case, reads a year once it has ended, as its cases stood at its end (``services.statistics``): two runs
    of a year a day apart gave by their difference one young person's referral or decision, with their kön, age
    band and route."""
    return p.has(Role.AUDITOR) or (is_social_services(p, catalogue) and p.municipality == municipality)


def reads_any_municipalitys_statistics(p: Principal) -> bool:
    """Whether the user chooses the municipality whose statistics they read (auditors, evaluators), rather than
    reading their own (social services)."""
    return p.has(Role.AUDITOR, Role.EVALUATOR)


def check_reads_retention(p: Principal, municipality: str | None, catalogue: Catalogue) -> None:
    """The cases due for culling: social services (handläggare, samordnare) of their own municipality, and auditors of
    any (``None``: every municipality).  Members and administrators are refused whatever they ask."""
    _check_municipal_overview(p, municipality, catalogue, "which cases are due for culling",
                              "their own municipality's cases due for culling")


def _check_municipal_overview(p: Principal, municipality: str | None, catalogue: Catalogue, what: str,
                              own: str, others: str = "auditors") -> None:
    """A municipality's overview (``what``): its social services (``own``: what they read) and auditors of any
    (``others``: who else, as the refusal names them)."""
    if p.has(Role.AUDITOR):
        return
    if not is_social_services(p, catalogue):
        raise Forbidden(f"only social services (handläggare or samordnare) and {others} read {what}")
    if not p.municipality:
        raise NoMunicipality("your sign-in names no municipality (the token's municipality claim): social services"
                             f" read {own}")
    check_sign_in_municipality_known(p, catalogue)
    if municipality != p.municipality:
        raise Forbidden(f"social services read {own} only", field="municipality")
