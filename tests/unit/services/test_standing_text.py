"""An agency's standing in Swedish (``standing_text.describe_standing``): what the command line, the web client and
the API say beside a replay, and the one sentence when the agency saw nothing."""

from __future__ import annotations

from domain.standing import standing_at
from domain.values import YOUNG_PERSON
from services.standing_text import describe_standing
from tests.builders import CATALOGUE, SOCIAL, CaseStory, utc

POLICE_SCOPE = {"polis": ("case", "crime")}


def told(story: CaseStory, at, visible: int = 0, by_role: bool = False):
    return describe_standing(standing_at(story.events, "polis", at, CATALOGUE), visible, CATALOGUE, by_role)


def consented() -> tuple[CaseStory, list[str], list[str]]:
    story = CaseStory().accept()
    guardians = story.guardians("Maria", "Johan")
    return story, guardians, story.consent_all(POLICE_SCOPE)


def test_a_guardians_withdrawal_is_said_naming_her_or_her_role_and_the_categories_left_uncovered():
    story, (maria, _), ids = consented()
    story.join("polis")
    story.withdraw(ids[1], consenter=maria, when=utc(2026, 3, 20, 9))
    by_name = told(story, story.at())
    assert by_name.why_nothing == (
        f"Samtycke från den unge och vårdnadshavaren Johan gällde, men inte från vårdnadshavaren Maria (samtycke"
        f" {ids[1][:8]} återkallades 2026-03-20 10:00:00 CET): inget i kategorierna ärendet, brottslighet var täckt.")
    by_role = told(story, story.now, by_role=True)
    assert "vårdnadshavare 1 (samtycke" in by_role.why_nothing and "Maria" not in str(by_role)
    sections = dict(by_role.sections)
    assert sections["Samtycken i kraft där Polisen är mottagare"] == [
        f"den unge: ärendet, brottslighet, tills vidare ({ids[0][:8]})",
        f"vårdnadshavare 2: ärendet, brottslighet, tills vidare ({ids[2][:8]})"]
    # Something seen (its own, say): no sentence of why nothing, the standing all the same.
    assert told(story, story.now, visible=1).why_nothing is None


def test_not_yet_a_member_and_after_closure_each_say_why_nothing_was_seen():
    story, _, _ = consented()
    before = story.now
    story.join("polis", when=utc(2026, 2, 10, 9))
    assert told(story, before).why_nothing == ("Polisen var inte medlem i gruppen vid tidpunkten: den gick med först"
                                               " 2026-02-10 10:00:00 CET.")
    story.case.close(reason="moved", outcome="Flyttade.", by=SOCIAL, at=story.at(utc(2026, 4, 1, 9)),
                     catalogue=CATALOGUE)
    closed = told(story, story.at())
    assert closed.why_nothing == ("Ärendet avslutades 2026-04-01 11:00:00 CEST: från avslutet lämnas inget ut till"
                                  " gruppens medlemmar med stöd av samtycke (utlämnandereglerna version 7).")
    assert dict(closed.sections)["Medlemskap"] == [
        "Inte aktiv medlem: i gruppen sedan 2026-02-10 10:00:00 CET, men ärendet avslutades 2026-04-01 11:00:00 CEST."]


def test_from_the_18th_birthday_a_guardians_consent_is_said_not_to_count():
    story, (_, johan), ids = consented()
    story.join("polis")
    text = told(story, utc(2027, 3, 14, 12), visible=1)
    sections = dict(text.sections)
    assert sections["Ålder och vårdnad"] == [
        "Den unge hade fyllt 18 år (2027-03-14): bara den unges eget samtycke räknas, inte vårdnadshavarnas."]
    assert sections["Samtycken i kraft där Polisen är mottagare"][1].endswith(
        " – räknas inte: den unge har fyllt 18 år")
    assert sections["Kategorier som samtyckena i kraft nämner för Polisen"][0] == f"ärendet: täckt ({ids[0][:8]})"
    assert YOUNG_PERSON not in str(text) and johan not in str(text)   # ids are not names


def test_the_categories_are_listed_in_the_order_the_consents_own_lines_list_them():
    """A consent's scope lists its categories as stored (by id: ärendet, brottslighet, skola) wherever it is told —
    the replay's consent facts, the report's consents, the web's — but the standing beside the same replay listed
    them in the catalogue's order (ärendet, skola, brottslighet), in its consents' lines and in its categories'."""
    from services.wording import category_names

    story = CaseStory().accept()
    story.guardians("Maria")
    ids = story.consent_all({"polis": ("school", "crime", "case")})
    story.join("polis")
    sections = dict(told(story, story.at(), visible=1).sections)
    elsewhere = category_names(story.case.consents[ids[0]].scope[0].categories, CATALOGUE)
    assert elsewhere == "ärendet, brottslighet, skola"
    assert sections["Samtycken i kraft där Polisen är mottagare"][0] == (
        f"den unge: {elsewhere}, tills vidare ({ids[0][:8]})")
    assert [line.split(":")[0] for line in sections["Kategorier som samtyckena i kraft nämner för Polisen"]] == [
        "ärendet", "brottslighet", "skola", "övriga kategorier"]
