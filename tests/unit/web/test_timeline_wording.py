"""The timeline as a reader reads it: the consenters named alike ("Maria (vårdnadshavare)", "Peter Exempel (den
unge)" where the reader sees the name) where a consent's line named a guardian without the role and the young
person by the role alone; a consent basis said in full once and pointed to from the rows after it, where the same
long sentence filled every row; an agency's own fact "er egen uppgift" to the agency itself, the domain's words to
an auditor."""

from __future__ import annotations

from domain.disclosure import disclosures_at
from services.audit_text import describe_for_auditor
from services.web import views
from tests.builders import CATALOGUE, SCHOOL, CaseStory


def _story() -> CaseStory:
    story = CaseStory().accept()
    story.guardians("Maria", "Johan")
    story.consent_all({"skola": ("case", "school")})
    story.join("skola")
    story.contribute(SCHOOL, "school", "Frånvaro i mars.")
    story.contribute(SCHOOL, "school", "Närvaron har ökat.")
    return story


def _timeline(story: CaseStory, agency: str, **kwargs) -> list[views.Item]:
    return views.timeline(disclosures_at(story.events, agency, story.now, CATALOGUE), CATALOGUE, recipient=agency,
                          **kwargs)


def test_each_consent_line_names_its_consenter_with_the_role():
    story = _story()
    for agency in ("socialtjanst", "skola"):   # the school's consents cover `case`: it sees the subject
        lines = [i.text for i in _timeline(story, agency) if i.kind == "consent.granted"]
        assert [line.split(" lämnat")[0] for line in lines] == [
            "Samtycke från Peter Exempel (den unge)", "Samtycke från Maria (vårdnadshavare)",
            "Samtycke från Johan (vårdnadshavare)"], agency


def test_a_reader_that_does_not_see_the_subject_reads_the_role_and_no_name():
    """The name comes from the reader's own view of the case's subject, never from elsewhere: without it (here the
    school's view with the subject taken out), the role word, in the line and in the basis."""
    story = _story()
    seen = [d for d in disclosures_at(story.events, "skola", story.now, CATALOGUE) if d.fact.kind != "case.subject"]
    items = views.timeline(seen, CATALOGUE, recipient="skola")
    assert "Peter" not in repr(items)
    assert [i.text.split(" lämnat")[0] for i in items if i.kind == "consent.granted"] == [
        "Samtycke från den unge", "Samtycke från Maria (vårdnadshavare)", "Samtycke från Johan (vårdnadshavare)"]
    assert any(i.basis.startswith("samtycke från den unge och vårdnadshavarna Maria och Johan") for i in items)


def test_a_consent_basis_is_said_in_full_once_and_pointed_to_after():
    items = _timeline(_story(), "skola")
    consented = [i for i in items if i.basis_ids]
    assert len(consented) > 2
    first, *later = consented
    assert first.basis.startswith("samtycke från Peter Exempel (den unge) och vårdnadshavarna Maria och Johan")
    assert first.basis_anchor and not first.same_basis_as
    assert all(i.same_basis_as == first.basis_anchor and i.basis == first.basis for i in later)
    assert first.basis_anchor not in {i.basis_anchor for i in later}


def test_an_own_fact_is_er_egen_uppgift_to_the_agency_and_the_domains_words_to_an_auditor():
    story = _story()
    own = [i.basis for i in _timeline(story, "skola") if i.kind == "contribution"]
    assert own == ["er egen uppgift", "er egen uppgift"]
    replayed = [i.basis for i in _timeline(story, "skola", describe=describe_for_auditor) if i.kind == "contribution"]
    assert replayed == ["egen uppgift (myndigheten är ursprung)"] * 2
