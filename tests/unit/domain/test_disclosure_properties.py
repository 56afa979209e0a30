"""Property tests of the disclosure rules over random case histories (hypothesis)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.calendar import age_on, local_date
from domain.disclosure import Replay, calendar_points, disclosure_log, disclosures_at
from domain.judge import Judge
from domain.errors import DomainError
from domain.values import YOUNG_PERSON, Outcome, Phase, ScopeEntry
from services.case_commands import shown_next_meeting
from tests.builders import CATALOGUE, SOCIAL, CaseStory, utc
from domain.values import Actor

AGENCIES = ("socialtjanst", "polis", "skola", "bup", "arbetsformedlingen")
OTHERS = AGENCIES[1:]
CATEGORIES = ("case", "school", "health", "crime", "employment")
# Birth dates that put the 18th birthday before, inside or after the story's year.
PEOPLE = ("20090314-2388", "20080520-0000", "20030610-0000")

gaps = st.sampled_from([timedelta(minutes=5), timedelta(hours=7), timedelta(days=3), timedelta(days=40)])
# A meeting recorded by social services (0: every member attending, and the young person) or by a member (the n-th
# of the group: itself alone, its own outcome); held today or its minutes written late (days back: one held before a
# meeting already recorded plans nothing); with a next meeting some days after it (sometimes one already passed) or
# none.
meetings = st.tuples(st.just("meeting"), st.sampled_from(CATEGORIES), st.integers(0, 3),
                     st.sampled_from([0, 0, 0, 1, 10]), st.sampled_from([None, None, 0, 7, 30]), gaps)
# The next meeting planned on its own (some days ahead, of a kind or none), moved, or called off (None): a `case`
# fact of the lead's administration, as a meeting's next meeting is.  Judged against the next meeting social services
# is shown, a member's meeting's among them once its consents cover `case` for it.
scheduling = st.tuples(st.just("schedule"), st.sampled_from([0, 1, 14, 40, None, None]),
                       st.sampled_from(["natverksmote", "individmote", None]), gaps)
# Social services among the recipients too: a consent to it is what shows it a member's fact (rules version 6).
scopes = st.dictionaries(st.sampled_from(AGENCIES), st.sets(st.sampled_from(CATEGORIES), min_size=1, max_size=3)
                         .map(lambda s: tuple(sorted(s))), min_size=1, max_size=3)
steps = st.one_of(
    # The last integer puts the consent's first day ahead sometimes: a grant that starts later, on the calendar.
    st.tuples(st.just("consent"), st.integers(0, 4), scopes, st.integers(0, 200), st.sampled_from([0, 0, 0, 1, 5]),
              gaps),
    st.tuples(st.just("withdraw"), st.integers(0, 9), gaps),
    st.tuples(st.just("narrow"), st.integers(0, 9), gaps),
    st.tuples(st.just("join"), st.sampled_from(OTHERS), gaps),
    st.tuples(st.just("leave"), st.sampled_from(OTHERS), gaps),
    st.tuples(st.just("contribute"), st.sampled_from(AGENCIES), st.sampled_from(CATEGORIES), gaps),
    meetings,
    st.tuples(st.just("custody"), st.booleans(), gaps),
    # A plan row naming agencies (rules version 5: each reader is shown only those it may know take part).
    st.tuples(st.just("plan"), st.sampled_from(["Skola", "Hälsa", "Fritid"]), st.sets(st.sampled_from(OTHERS)),
              gaps),
    # Skyddade personuppgifter recorded (of a kind) or lifted (None): a `case` fact of the lead's administration.
    st.tuples(st.just("protect"), st.sampled_from(["sekretessmarkering", "skyddad_folkbokforing", None]), gaps),
    # Planning weighs double, meetings and schedulings alike: which next meeting stands comes of their order.
    meetings, scheduling, scheduling,
    # Closure, in about one history of four: every later step is refused (a closed case takes nothing more).
    st.tuples(st.just("close"), st.integers(0, 3), gaps),
)


def _valid(personnummer: str) -> str:
    from domain.identity import luhn_check_digit

    digits = personnummer.replace("-", "")
    return digits[:11] + str(luhn_check_digit(digits[2:11]))


def _opened(person: str) -> CaseStory:
    """The case opened on 2026-01-05; a LUL 6 § notification concerns someone under 18, so the adult comes in as
    already known to social services."""
    return CaseStory(personnummer=_valid(person), start=utc(2026, 1, 5),
                     entry_route="known" if person.startswith("2003") else "lul6")


@st.composite
def histories(draw):
    return story_of(draw(st.sampled_from(PEOPLE)), draw(st.sets(st.sampled_from(OTHERS))),
                    draw(st.lists(steps, min_size=3, max_size=25)))


def story_of(person: str, joined: set[str], plan: list[tuple]) -> CaseStory:
    """The history of ``plan``'s steps (each shaped as ``steps`` draws them) on an accepted case with two guardians
    and ``joined`` in the group."""
    story = _opened(person)
    story.accept()
    story.guardians("Maria", "Johan")
    story.join(*joined)
    for step in plan:
        story.at(story.now + step[-1])
        try:
            _apply(story, step)
        except DomainError:
            pass  # a random step may break a rule; the aggregate refuses it and the story goes on
    return story


def _apply(story: CaseStory, step: tuple) -> None:
    case, at = story.case, story.now
    consents = list(case.consents.values())
    if step[0] == "consent":
        # Mostly every party at once (that is what makes disclosure happen), sometimes one party alone.
        parties = [YOUNG_PERSON, *case.guardians]
        chosen = parties if step[1] < 2 else [parties[step[1] % len(parties)]]
        valid_until = (local_date(at) + timedelta(days=step[3])) if step[3] < 150 else None
        valid_from = local_date(at) + timedelta(days=step[4])
        for consenter in chosen:
            story.consent(consenter, step[2], valid_from=valid_from, valid_until=valid_until, when=at)
    elif step[0] in ("withdraw", "narrow") and consents:
        record = consents[step[1] % len(consents)]
        if step[0] == "withdraw":
            story.withdraw(record.consent_id, consenter=record.consenter, when=at)
        else:
            case.narrow_consent(consent_id=record.consent_id, consenter=record.consenter,
                                scope=[ScopeEntry(s.agency, s.categories[:1]) for s in record.scope[:1]],
                                valid_until=record.valid_until, by=SOCIAL, at=at, catalogue=CATALOGUE)
    elif step[0] == "join":
        story.join(step[1], when=at)
    elif step[0] == "leave":
        case.remove_member(agency=step[1], reason="Klar", by=SOCIAL, at=at, catalogue=CATALOGUE)
    elif step[0] == "contribute":
        story.contribute(Actor(step[1], "u"), step[2], when=at)
    elif step[0] == "meeting":
        _meeting(story, *step[1:-1])
    elif step[0] == "plan":
        from domain.group_commands import PlanRowDraft

        row = PlanRowDraft(step[1], "Mål", "Så", "Någon", _among_members(case, step[2]))
        case.revise_plan(main_goal="Mål", rows=[row], by=SOCIAL, at=at, catalogue=CATALOGUE)
    elif step[0] == "protect":
        case.record_protection(protected=step[1] is not None, kind=step[1], by=SOCIAL, at=at, catalogue=CATALOGUE)
    elif step[0] == "schedule":
        day = None if step[1] is None else local_date(at) + timedelta(days=step[1])
        # Judged against what social services' page shows now, as the service judges it.
        shown = shown_next_meeting(disclosures_at(story.events, SOCIAL.agency, at, CATALOGUE))
        case.plan_next_meeting(next_meeting=day, kind=None if day is None else step[2], shown=shown, by=SOCIAL,
                               at=at, catalogue=CATALOGUE)
    elif step[0] == "close" and step[1] == 0:
        case.close(reason="other", outcome="Klart.", by=SOCIAL, at=at, catalogue=CATALOGUE)
    elif step[0] == "custody":
        from domain.values import Guardian

        guardians = list(case.known_guardians.values())
        case.record_guardians(guardians=[Guardian(guardians[0].guardian_id, guardians[0].name, True),
                                         Guardian(guardians[1].guardian_id, guardians[1].name, step[1])],
                              by=SOCIAL, at=at, catalogue=CATALOGUE)


def _meeting(story: CaseStory, category: str, recorder: int, days_back: int, next_after: int | None) -> None:
    case, at = story.case, story.now
    members = tuple(sorted(case.members))
    if recorder and members:   # a member records its own attendance and outcome
        attendees, others = (members[(recorder - 1) % len(members)],), ()
        by = Actor(attendees[0], "u")
    else:   # the young person attends too: a group with no member yet meets, rather than being refused as empty
        attendees, others, by = members, ("Den unge",), SOCIAL
    held_on = local_date(at) - timedelta(days=days_back)
    case.record_meeting(held_on=held_on, attendees=attendees, other_attendees=others,
                        outcomes=tuple(Outcome(category, a, "Utfall") for a in attendees[:2]), decisions=(),
                        next_meeting=None if next_after is None else held_on + timedelta(days=next_after),
                        by=by, at=at, catalogue=CATALOGUE)


def _among_members(case, drawn: set[str]) -> tuple[str, ...]:
    """The agencies a plan row names: as many as drawn (as far as the group has them), all of them members, since a
    row naming one outside the group is refused: a drawn member is kept, a drawn outsider stands for a member not
    drawn.  A row names agencies, several at once, as often as when any agency could be named."""
    kept = {a for a in drawn if a in case.members}
    spare = [a for a in OTHERS if a in case.members and a not in kept]
    return tuple(sorted({*kept, *spare[:len(drawn) - len(kept)]}))


def _probe_times(story: CaseStory) -> list:
    events = story.events
    times = [e.timestamp for e in events] + [events[-1].timestamp + timedelta(days=d) for d in (1, 200, 500)]
    return times + [t - timedelta(seconds=1) for t in times]


common = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(histories())
def test_nothing_is_visible_without_a_basis_that_holds(story):
    for at in _probe_times(story)[::3]:
        replay = Replay(story.events, CATALOGUE)
        replay.advance_to(at)
        case = replay.case
        for agency in AGENCIES:
            for d in replay.visible_to(agency, at):
                assert d.fact.recorded_at <= at
                assert d.fact.audience is None or agency in d.fact.audience
                _assert_basis_holds(d, agency, case, at)


def _assert_basis_holds(d, agency, case, at) -> None:
    fact, basis = d.fact, d.basis
    if basis.kind == "origin":
        assert fact.origin == agency
    elif basis.kind == "owner":
        assert agency == CATALOGUE.lead_agency and fact.administrative
    elif basis.kind == "law":
        legal = CATALOGUE.legal_basis(basis.legal_basis)
        assert legal.recipient == agency and fact.origin in legal.senders and fact.category in legal.categories
    else:
        assert basis.kind == "consent" and basis.consent_ids
        # An active member: in the group, and the group still at work (rules version 7: not once the case closed).
        assert agency == CATALOGUE.lead_agency or (agency in case.members and case.phase is not Phase.CLOSED)
        used = [case.consents[cid] for cid in basis.consent_ids]
        # The fact's category; and, for a fact from another member, the category its membership reveals — but
        # not to social services, which sees every membership as the case's administration (rules version 6).
        origin = CATALOGUE.agencies.get(fact.origin)
        needed = {fact.category} | ({origin.membership_category if origin else "case"}
                                    if fact.origin not in (agency, CATALOGUE.lead_agency)
                                    and agency != CATALOGUE.lead_agency else set())
        # And the memberships of the agencies a plan row names and is shown naming (rules version 5): their
        # consents join its basis (a row naming the police, shown to a school, rests also on its consent to `case`).
        needed |= {CATALOGUE.agencies[n].membership_category for n in fact.names
                   if n not in (agency, CATALOGUE.lead_agency) and agency != CATALOGUE.lead_agency}
        for consent in used:
            assert consent.in_force_at(at)
            assert any(s.covers(agency, c) for s in consent.scope for c in needed)
        adult = age_on(case.born, local_date(at)) >= 18
        custodians = {g.guardian_id for g in case.guardians.values() if g.has_custody}
        assert adult or custodians
        for category in needed:   # each needed category covered by every consenter whose consent is needed
            consenters = {c.consenter for c in used if any(s.covers(agency, category) for s in c.scope)}
            assert YOUNG_PERSON in consenters
            assert consenters == {YOUNG_PERSON} if adult else custodians <= consenters


@common
@given(histories(), st.sampled_from([timedelta(minutes=5), timedelta(days=40)]))
def test_once_the_case_is_closed_no_member_sees_anything_but_its_own_and_what_law_carries(story, gap):
    """The group's work ends with the case (rules version 7): whatever consents are still in force, a member keeps
    only what it recorded itself (and what a law carries to it), from the closure on and a year later; social
    services, the case's owner, keeps what it saw."""
    if story.case.phase is not Phase.CLOSED:
        story.at(story.now + gap)
        story.case.close(reason="other", outcome="Klart.", by=SOCIAL, at=story.now, catalogue=CATALOGUE)
    closed = story.events[-1].timestamp   # a closed case takes no event after its closure
    for at in (closed, closed + timedelta(days=365)):
        for agency in OTHERS:
            assert {d.basis.kind for d in disclosures_at(story.events, agency, at, CATALOGUE)} <= {"origin", "law"}
        lead = {d.fact.kind for d in disclosures_at(story.events, CATALOGUE.lead_agency, at, CATALOGUE)}
        assert {"case.subject", "case.closed"} <= lead


@common
@given(histories())
def test_nothing_is_newly_disclosed_under_a_withdrawn_consent(story):
    withdrawals = {e.consent_id: e.timestamp for e in story.events if type(e).__name__ == "ConsentWithdrawn"}
    horizon = story.now + timedelta(days=500)
    for change in disclosure_log(story.events, AGENCIES, horizon, CATALOGUE):
        if change.change in ("disclosed", "basis_changed"):
            for consent_id in change.basis.consent_ids:
                assert consent_id not in withdrawals or change.at < withdrawals[consent_id]


@common
@given(histories())
def test_every_change_names_a_cause_that_happened_then(story):
    """A fact's recording causes only its first disclosure, at its recording; every other change names what
    happened at its own instant: an event of the case that changed the rules' inputs (the very consent or agency
    it names), or calendar moments of the case that speak for the agency (its own consents, not withdrawn by
    then), or ``calendar`` when no moment of the case is at that instant any more."""
    horizon = story.now + timedelta(days=500)
    events: dict = {}
    for e in story.events:
        events.setdefault(e.timestamp, []).append(e)
    rule_events = {"consent_granted": "ConsentGranted", "consent_narrowed": "ConsentNarrowed",
                   "consent_withdrawn": "ConsentWithdrawn", "guardians_recorded": "GuardiansRecorded",
                   "member_joined": "MemberJoined", "member_left": "MemberLeft", "case_closed": "CaseClosed"}
    case = story.case
    for change in disclosure_log(story.events, AGENCIES, horizon, CATALOGUE):
        assert change.cause, change
        for cause in change.cause:
            if cause.what == "recorded":
                assert change.change == "disclosed" and change.fact.recorded_at == change.at
            elif cause.what in rule_events:
                there = [e for e in events.get(change.at, []) if type(e).__name__ == rule_events[cause.what]]
                assert there, change
                if cause.consent_ids:
                    assert {e.consent_id for e in there} >= set(cause.consent_ids)
                if cause.agency is not None:
                    assert cause.agency in {e.agency for e in there}
            elif cause.what == "calendar":
                assert not [m for m in case.calendar_moments() if m.at == change.at and m.what == "turns_18"]
            else:
                moments = {m.consent_id for m in _every_moment(case) if m.at == change.at and m.what == cause.what}
                assert moments, change
                for consent_id in cause.consent_ids:
                    record = case.consents[consent_id]
                    named = {s.agency for s in (*record.granted_scope, *record.scope)}   # then, or later narrowed
                    assert consent_id in moments and change.agency in named
                    assert record.withdrawn_at is None or record.withdrawn_at > change.at


@common
@given(histories(), st.data())
def test_the_answer_for_a_time_never_depends_on_later_events(story, data):
    at = data.draw(st.sampled_from(_probe_times(story)))
    agency = data.draw(st.sampled_from(AGENCIES))
    earlier = [e for e in story.events if e.timestamp <= at]
    assert _ids(disclosures_at(story.events, agency, at, CATALOGUE)) == _ids(disclosures_at(earlier, agency, at, CATALOGUE))


@common
@given(histories())
def test_the_disclosure_log_replayed_gives_the_view_at_every_time(story):
    horizon = story.now + timedelta(days=500)
    log = disclosure_log(story.events, AGENCIES, horizon, CATALOGUE)
    for at in _probe_times(story)[::4]:
        for agency in AGENCIES:
            expected = {d.fact.fact_id: d.basis for d in disclosures_at(story.events, agency, at, CATALOGUE)}
            assert _log_replayed(log, agency, at) == expected


def _log_replayed(log, agency: str, at) -> dict[str, object]:
    """What the disclosure log says ``agency`` sees at ``at``: each fact's basis, from its changes up to then."""
    visible: dict[str, object] = {}
    for change in log:
        if change.agency == agency and change.at <= at:
            if change.change == "ended":
                visible.pop(change.fact.fact_id, None)
            else:
                visible[change.fact.fact_id] = change.basis
    return visible


def _every_moment(case) -> list:
    """The 18th birthday and every consent's first day and end, a withdrawn consent's too (it may have started or
    ended before its withdrawal, when ``calendar_moments`` still had them)."""
    from domain.calendar import end_of_day, start_of_day
    from domain.values import CalendarMoment

    starts = [CalendarMoment(start_of_day(c.valid_from), "consent_starts", c.consent_id) for c in case.consents.values()]
    ends = [CalendarMoment(end_of_day(c.valid_until), "consent_ends", c.consent_id)
            for c in case.consents.values() if c.valid_until is not None]
    return [*starts, *ends, *(m for m in case.calendar_moments() if m.what == "turns_18")]


def _ids(disclosures) -> dict:
    return {d.fact.fact_id: d.basis for d in disclosures}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.data())
def test_a_replay_that_keeps_its_answers_answers_as_one_that_judges_everything(story, data):
    """``visible_to`` judges only the new facts while nothing since concerned the agency and no calendar
    moment passed.  Asked after some events, for some agencies (so that rule events pass unasked), on both
    sides of every calendar moment in a random order (so also behind an earlier question), and through
    copies, it equals judging every fact — and the count of events it comes from, kept as it goes, equals
    counting them."""
    events = story.events
    moments = sorted({m for e in events for m in calendar_points(e)})
    around = [t for m in moments for t in (m - timedelta(seconds=1), m, m + timedelta(seconds=1))]
    kept = Replay((), CATALOGUE)
    for k, event in enumerate(events, start=1):
        if data.draw(st.booleans()):
            kept = kept.copy()
        kept.apply(event)
        asked = data.draw(st.sets(st.sampled_from(AGENCIES), max_size=2))  # some agencies miss events
        times = data.draw(st.permutations([event.timestamp, event.timestamp + timedelta(days=400), *around]))
        for at in times:
            for agency in sorted(asked):
                visible = kept.visible_to(agency, at)
                assert visible == _judged_afresh(kept, agency, at), (k, agency, at)
                assert kept.versions_in(agency, visible) == len({d.fact.version for d in visible}), (k, agency, at)


def _judged_afresh(replay: Replay, agency: str, at) -> tuple:
    judge = Judge(replay.case, agency, max(at, replay.case.last_recorded_at), CATALOGUE)
    return tuple(d for f in replay.facts if (d := judge.disclosure(f)) is not None)


# -- Social services and its consents (rules version 6) ------------------------------------------------------------

LEAD = CATALOGUE.lead_agency


def _lead_should_see(fact, case, at):
    """DOMAIN.md's rules for the lead, written out on their own: its own facts, the case's administration, what a
    cited law carries to it, and otherwise exactly what the consents in force cover for it and the fact's category
    — the young person's, and under 18 every custodial guardian's too.  The consents needed, or a basis kind."""
    if fact.audience is not None and LEAD not in fact.audience:
        return None
    if fact.origin == LEAD and fact.recorded_by is None:
        return "origin"
    if fact.administrative:
        return "owner"
    legal = CATALOGUE.legal_bases.get(fact.legal_basis or "")
    if legal is not None and legal.recipient == LEAD and fact.origin in legal.senders \
            and fact.category in legal.categories \
            and (legal.under_age is None or age_on(case.born, local_date(fact.recorded_at)) < legal.under_age):
        return "law"

    def covering(consenter):
        return {c.consent_id for c in case.consents.values() if c.consenter == consenter and c.in_force_at(at)
                and any(s.agency == LEAD and fact.category in s.categories for s in c.scope)}

    own = covering(YOUNG_PERSON)
    if not own:
        return None
    if age_on(case.born, local_date(at)) >= 18:
        return frozenset(own)
    custodians = [g.guardian_id for g in case.guardians.values() if g.has_custody]
    theirs = [covering(g) for g in custodians]
    if not custodians or not all(theirs):
        return None
    return frozenset(own.union(*theirs))


@common
@given(histories())
def test_social_services_sees_a_members_fact_exactly_when_its_consents_or_a_law_cover_it(story):
    """Not more (a category not consented to it, a consent withdrawn, narrowed or run out, a guardian's missing
    under 18 or counting after 18), and not less (no consent to the membership's category is asked of it)."""
    events = story.events
    for at in _probe_times(story)[::2]:
        replay = Replay(events, CATALOGUE)
        replay.advance_to(at)
        if replay.case is None:
            continue
        at = max(at, replay.case.last_recorded_at)
        shown = {d.fact.fact_id: d for d in replay.visible_to(LEAD, at)}
        expected = {f.fact_id: why for f in replay.facts if (why := _lead_should_see(f, replay.case, at))}
        assert set(shown) == set(expected), at
        for fact_id, why in expected.items():
            basis = shown[fact_id].basis
            if isinstance(why, frozenset):
                assert basis.kind == "consent" and set(basis.consent_ids) == why, fact_id
            else:
                assert basis.kind == why, fact_id


STAND_IN = "sis"   # never in these groups: a recipient whose consents can change nothing the members see
assert STAND_IN not in AGENCIES

# Consents weigh double, and are mostly every party's at once: a member is shown nothing without them.
twin_consent = st.tuples(
    st.just("consent"), st.integers(0, 2),
    st.dictionaries(st.sampled_from((*OTHERS, LEAD)), st.sets(st.sampled_from(CATEGORIES), min_size=1, max_size=4)
                    .map(lambda s: tuple(sorted(s | {"case"}))), min_size=1, max_size=4),
    st.integers(0, 200), st.sampled_from([0, 0, 1]), gaps)
twin_steps = st.one_of(
    twin_consent, twin_consent,
    st.tuples(st.just("withdraw"), st.integers(0, 9), gaps),
    # Narrowed by one recipient's part (social services' among them), or by ending it today.
    st.tuples(st.just("narrow_by"), st.integers(0, 9), st.sampled_from((*OTHERS, LEAD, LEAD, None)), gaps),
    st.tuples(st.just("narrow_by"), st.integers(0, 9), st.just(LEAD), gaps),
    st.tuples(st.just("join"), st.sampled_from(OTHERS), gaps),
    st.tuples(st.just("leave"), st.sampled_from(OTHERS), gaps),
    st.tuples(st.just("contribute"), st.sampled_from(AGENCIES), st.sampled_from(CATEGORIES), gaps),
    meetings,
    st.tuples(st.just("custody"), st.booleans(), gaps),
    st.tuples(st.just("plan"), st.sampled_from(["Skola", "Hälsa", "Fritid"]), st.sets(st.sampled_from(OTHERS)),
              gaps),
)


def _twin_story(person, joined, plan, lead_as):
    """The same history, with social services' parts of every consent given to ``lead_as`` instead; every id
    made the same way in both (uuid4 counted), so that the two can be compared fact by fact."""
    from unittest import mock
    from uuid import UUID

    counter = iter(range(1, 10**6))
    fake = lambda: UUID(int=next(counter))  # noqa: E731
    with mock.patch("domain.case.uuid4", fake), mock.patch("domain.consent_commands.uuid4", fake), \
            mock.patch("domain.group_commands.uuid4", fake):
        story = _opened(person)
        story.accept()
        story.guardians("Maria", "Johan")
        story.join(*sorted(joined))
        for step in plan:
            story.at(story.now + step[-1])
            try:
                _apply_twin(story, step, lead_as)
            except DomainError:
                pass
    return story


def _apply_twin(story, step, lead_as):
    name = (lambda a: lead_as if a == LEAD else a)
    case, at = story.case, story.now
    consents = list(case.consents.values())
    if step[0] == "consent":
        scope = {name(a): c for a, c in step[2].items()}
        parties = [YOUNG_PERSON, *case.guardians]
        chosen = parties if step[1] < 2 else [parties[step[1] % len(parties)]]
        valid_until = (local_date(at) + timedelta(days=step[3])) if step[3] < 150 else None
        for consenter in chosen:
            story.consent(consenter, scope, valid_from=local_date(at) + timedelta(days=step[4]),
                          valid_until=valid_until, when=at)
    elif step[0] == "narrow_by" and consents:
        record = consents[step[1] % len(consents)]
        if step[2] is None:
            scope, until = record.scope, local_date(at)
        else:
            scope, until = [s for s in record.scope if s.agency != name(step[2])], record.valid_until
        case.narrow_consent(consent_id=record.consent_id, consenter=record.consenter, scope=scope,
                            valid_until=until, by=SOCIAL, at=at, catalogue=CATALOGUE)
    else:
        _apply(story, step)


def _members_log(story):
    horizon = story.now + timedelta(days=500)
    return [(c.at, c.agency, c.fact.fact_id, c.change, c.basis, c.cause, dict(c.fact.content))
            for c in disclosure_log(story.events, OTHERS, horizon, CATALOGUE)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PEOPLE), st.sets(st.sampled_from(OTHERS), min_size=1),
       st.lists(twin_steps, min_size=5, max_size=30))
def test_what_social_services_is_consented_to_changes_nothing_another_agency_sees_or_is_told(person, joined, plan):
    """Every member's disclosure log — each fact as shown, when, on which basis, for what cause — is the same
    whether social services or an agency outside the group is the recipient of those parts of the consents:
    neither a consent's parts, a narrowing's or withdrawal's notice, nor a moment's timing tells a member what
    social services may see."""
    ours = _twin_story(person, joined, plan, LEAD)
    theirs = _twin_story(person, joined, plan, STAND_IN)
    assert len(ours.events) == len(theirs.events)
    assert _members_log(ours) == _members_log(theirs)


@common
@given(histories())
def test_protected_personal_data_reaches_exactly_those_who_see_that_the_case_exists(story):
    """`case.protected` is the lead's `case` administration, as `case.opened` is: at every moment an agency sees the
    one exactly when it sees the other (once recorded) — the judge, unchanged, decides both alike."""
    for at in _probe_times(story):
        for agency in AGENCIES:
            kinds = {d.fact.kind for d in disclosures_at(story.events, agency, at, CATALOGUE)}
            if "case.protected" in kinds:
                assert "case.opened" in kinds
            elif any(e.timestamp <= at and type(e).__name__.startswith("Protection") for e in story.events):
                assert "case.opened" not in kinds


@common
@given(histories())
def test_a_scheduled_meeting_reaches_exactly_those_who_see_that_the_case_exists(story):
    """`meeting.scheduled` is the lead's `case` administration, as `case.opened` is (and a meeting's own next
    meeting): at every moment an agency sees the one exactly when it sees the other (once recorded)."""
    for at in _probe_times(story):
        for agency in AGENCIES:
            kinds = {d.fact.kind for d in disclosures_at(story.events, agency, at, CATALOGUE)}
            if "meeting.scheduled" in kinds:
                assert "case.opened" in kinds
            elif any(e.timestamp <= at and type(e).__name__ in ("MeetingScheduled", "MeetingCalledOff")
                     for e in story.events):
                assert "case.opened" not in kinds
