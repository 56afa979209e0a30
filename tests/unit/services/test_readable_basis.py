"""The one helper that says a fact's basis in Swedish, for the report, the command line and the web client."""

from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

from domain.judge import Basis
from services.basis_text import describe_basis, describe_basis_with_ids, guardian_roles, known_at, known_consents
from services.catalogue_loader import load_catalogue

CAT = load_catalogue()
YOUNG, MOTHER, FATHER = "c-young-0001", "c-mother-001", "c-father-001"
SOCIAL, SCHOOL = "socialtjanst", "skola"   # the recipient: social services reads whole consents, the school its parts


def _fact(kind: str, version: int, day: int, consent_id: str, consenter: str, name: str, until: date | None):
    return SimpleNamespace(kind=kind, version=version, fact_id=f"{version}.owner",
                           recorded_at=datetime(2026, 3, day, 9, tzinfo=timezone.utc),
                           content={"consent_id": consent_id, "consenter": consenter, "consenter_name": name,
                                    "valid_until": until})


FACTS = [_fact("consent.granted", 4, 1, YOUNG, "young_person", "den unge", date(2027, 2, 11)),
         _fact("consent.granted", 5, 1, MOTHER, "g-maria", "Maria", date(2027, 2, 11)),
         _fact("consent.granted", 6, 1, FATHER, "g-johan", "Johan", None),
         _fact("consent.narrowed", 7, 10, MOTHER, "g-maria", "Maria", date(2026, 12, 31))]
BASIS = Basis("consent", (YOUNG, MOTHER, FATHER))


def test_the_guardians_by_name_for_those_who_may_see_them_and_by_role_on_the_command_line():
    known = known_consents(FACTS)
    assert describe_basis(BASIS, CAT, known, recipient=SOCIAL) == \
        "samtycke från den unge och vårdnadshavarna Maria och Johan, t.o.m. 2026-12-31"
    roles = guardian_roles(["g-maria", "g-johan"])
    assert describe_basis(BASIS, CAT, known, roles, recipient=SOCIAL) == \
        "samtycke från den unge och vårdnadshavare 1 och 2, t.o.m. 2026-12-31"
    assert describe_basis_with_ids(Basis("consent", (MOTHER,)), CAT, known, roles, recipient=SOCIAL) == \
        "samtycke från vårdnadshavare 1, t.o.m. 2026-12-31 (c-mother)"
    # A guardian the numbering does not know is never named.
    assert describe_basis(Basis("consent", (FATHER,)), CAT, known, {}, recipient=SOCIAL) == \
        "samtycke från en vårdnadshavare, tills vidare"


def test_a_log_row_tells_the_end_its_moment_knew():
    before = known_at(FACTS, "ended", datetime(2026, 3, 10, 9, tzinfo=timezone.utc))   # just before the narrowing
    assert describe_basis(BASIS, CAT, before, guardian_roles(["g-maria", "g-johan"]),
                          recipient=SOCIAL).endswith("t.o.m. 2027-02-11")


def test_a_consent_not_seen_stays_an_id_and_a_law_is_named():
    assert describe_basis_with_ids(BASIS, CAT, {}, recipient=SCHOOL) == "samtycke c-young-, c-mother, c-father"
    assert describe_basis(Basis("law", legal_basis="sol14"), CAT, recipient=SCHOOL).startswith("lag: SoL 14 kap. 1 §")


def _part(version: int, consent_id: str, consenter: str, until: date | None, categories: tuple, agency="skola"):
    """A recipient's part of a consent, as the recipient is shown it (its agency the fact's one audience)."""
    return SimpleNamespace(kind="consent.granted", version=version, fact_id=f"{version}.to.{agency}",
                           recorded_at=datetime(2026, 3, 1, 9, tzinfo=timezone.utc), audience=frozenset({agency}),
                           content={"consent_id": consent_id, "consenter": consenter, "consenter_name": "Maria",
                                    "valid_until": until, "categories": categories})


def _whole(version: int, consent_id: str, consenter: str, until: date | None, scope: tuple):
    return SimpleNamespace(kind="consent.granted", version=version, fact_id=f"{version}.owner",
                           recorded_at=datetime(2026, 3, 1, 9, tzinfo=timezone.utc), audience=frozenset({"soc"}),
                           content={"consent_id": consent_id, "consenter": consenter, "consenter_name": "Maria",
                                    "valid_until": until, "scope": scope})


def test_one_persons_two_consents_to_the_same_part_last_to_the_later_end():
    known = known_consents([_part(4, "june", "g-maria", date(2026, 6, 30), ("school",)),
                            _part(5, "december", "g-maria", date(2026, 12, 31), ("school",))])
    assert describe_basis(Basis("consent", ("june", "december")), CAT, known, recipient=SCHOOL).endswith(
        "t.o.m. 2026-12-31")
    forever = known_consents([_part(4, "june", "g-maria", date(2026, 6, 30), ("school",)),
                              _part(5, "open", "g-maria", None, ("school",))])
    assert describe_basis(Basis("consent", ("june", "open")), CAT, forever, recipient=SCHOOL).endswith("tills vidare")


def test_guard_one_persons_consents_to_different_parts_last_to_the_first_end():
    """The row needs `school` and `case` (it names another member): one consent each, the earlier end bounds it."""
    known = known_consents([_part(4, "case", "g-maria", date(2026, 11, 30), ("case",)),
                            _part(5, "school", "g-maria", date(2026, 9, 30), ("school",))])
    assert describe_basis(Basis("consent", ("case", "school")), CAT, known, recipient=SCHOOL).endswith(
        "t.o.m. 2026-09-30")


def test_guard_a_part_the_fact_may_not_need_makes_the_end_told_earlier_never_later():
    """Maria's June consent also covers `case`, which a `school` row may not need: told as needed, the end is
    June's (the disclosure may last longer; it never lapses earlier than told).  Social services' whole copies
    name other agencies' parts too, which are taken only where every consent of the basis covers that agency."""
    known = known_consents([_part(4, "june", "g-maria", date(2026, 6, 30), ("case", "school")),
                            _part(5, "december", "g-maria", date(2026, 12, 31), ("school",))])
    assert describe_basis(Basis("consent", ("june", "december")), CAT, known, recipient=SCHOOL).endswith(
        "t.o.m. 2026-06-30")
    # The police's `school` part of December's consent is no cover of the school's `school`: June's end is told.
    lead = known_consents([_whole(4, "june", "g-maria", date(2026, 6, 30), (("soc", ("school",)),)),
                           _whole(5, "december", "g-maria", date(2026, 12, 31),
                                  (("soc", ("case",)), ("polis", ("school",))))])
    assert describe_basis(Basis("consent", ("june", "december")), CAT, lead, recipient="soc").endswith(
        "t.o.m. 2026-06-30")


def test_guard_a_consent_whose_cover_is_not_known_is_bounded_by_its_own_end():
    known = known_consents([_fact("consent.granted", 4, 1, "june", "g-maria", "Maria", date(2026, 6, 30)),
                            _part(5, "december", "g-maria", date(2026, 12, 31), ("school",))])
    assert describe_basis(Basis("consent", ("june", "december")), CAT, known, recipient=SCHOOL).endswith(
        "t.o.m. 2026-06-30")


# The review's reproduction: the young person's C1 covers social services' and the school's `health` to June, C2
# social services' and the school's `school` to December; a social services fact of `school` rests on both.
C1 = (("socialtjanst", ("school",)), ("skola", ("health",)))
C2 = (("socialtjanst", ("school",)), ("skola", ("school",)))


def test_social_services_reads_the_end_of_its_own_sight_not_of_the_school_s_parts():
    known = known_consents([_whole(4, "c1", "young_person", date(2026, 6, 30), C1),
                            _whole(5, "c2", "young_person", date(2026, 12, 31), C2)])
    basis = Basis("consent", ("c1", "c2"))
    assert describe_basis(basis, CAT, known, recipient="socialtjanst").endswith("t.o.m. 2026-12-31")
    assert describe_basis_with_ids(basis, CAT, known, recipient="socialtjanst") == \
        "samtycke från den unge, t.o.m. 2026-12-31 (c1, c2)"


def test_guard_a_member_reads_the_end_of_its_own_parts():
    """The school's parts: C1 gives it `health` alone, C2 `school`; its basis for a `school` row is C2's part, and
    one resting on both takes both parts as needed (the earlier end, never a later one).  The ends it read before
    ``recipient`` was required, when the agencies every consent covers stood in for it."""
    known = known_consents([_part(4, "c1", "young_person", date(2026, 6, 30), ("health",)),
                            _part(5, "c2", "young_person", date(2026, 12, 31), ("school",))])
    assert describe_basis(Basis("consent", ("c2",)), CAT, known, recipient=SCHOOL) == \
        "samtycke från den unge, t.o.m. 2026-12-31"
    assert describe_basis(Basis("consent", ("c1", "c2")), CAT, known, recipient=SCHOOL) == \
        "samtycke från den unge, t.o.m. 2026-06-30"
