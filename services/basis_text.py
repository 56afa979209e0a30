"""How a fact's basis and a visibility change's cause are told in Swedish: a consent basis by who consented and
until when, from what the reader itself sees of the consents, the guardians by role or by name.

Apart from the facts' own lines (``presentation``): every log, replay and view tells a basis beside a fact, and a
basis is told from the consents the reader sees, never from the fact.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping

from domain.catalogue import Catalogue
from domain.disclosure import Cause
from domain.facts import fact_order
from domain.judge import Basis
from domain.values import YOUNG_PERSON
from services.wording import agency_name, joined


OWN_TO_ITSELF = "er egen uppgift"   # an own fact's basis, told to the agency that is its origin


def describe_basis(basis: Basis, catalogue: Catalogue, known: Mapping[str, Mapping[str, Any]] | None = None,
                   roles: Mapping[str, int] | None = None, *, young_person: str = "den unge",
                   to_itself: bool = False, recipient: str) -> str:
    """The basis in Swedish.  A stored row may hold one no rule gives (altered, or from a catalogue since changed):
    it is described as what it is, never refused — an auditor looking for an altered log must be shown it.

    ``known``: the consents the reader itself may see (``known_consents``: consent id → its ``consenter``,
    ``consenter_name`` and ``valid_until``, from its own consent facts: a member's part, social services' whole): a
    consent basis then says who consented and until when — "samtycke från den unge och vårdnadshavarna A och B,
    t.o.m. 2027-01-15" — instead of bare ids.  A consent the reader does not see stays an id: never a name it may
    not know.  ``roles`` (``guardian_roles``): the guardians by role, "vårdnadshavare 1 och 2", not by name — the
    command line's output ends up in tickets and chats.

    ``young_person``: the young person as the reader may name them (the web's ``young_person_label(…,
    in_sentence=True)``, "Peter Exempel (den unge)" where it sees the name); by default the role word, as the command
    line and the API say it.  ``to_itself``: the reader is the agency itself, reading its own view — an own fact is
    then "er egen uppgift", where "egen uppgift (myndigheten är ursprung)" made it look for which agency; an auditor
    reading another's view keeps the domain's words.  ``recipient``: the agency the fact is disclosed to (the
    reader's own, or the one an auditor replays), whose parts alone of the consents the end is told from
    (``lapses``)."""
    if basis.kind == "origin" and to_itself:
        return OWN_TO_ITSELF
    if basis.kind not in ("origin", "owner", "law", "consent"):
        return f"okänd grund ”{basis.kind}”"
    if basis.kind == "law" and (basis.legal_basis or "") not in catalogue.legal_bases:
        return f"lag: okänt lagrum ”{basis.legal_basis or ''}”"
    if readable(basis, known):
        return describe_consents(basis.consent_ids, known or {}, roles, young_person, recipient=recipient)
    return basis.describe(catalogue)


def describe_basis_with_ids(basis: Basis, catalogue: Catalogue, known: Mapping[str, Mapping[str, Any]] | None = None,
                            roles: Mapping[str, int] | None = None, *, recipient: str) -> str:
    """``describe_basis`` for a line of text an auditor cross-references: a consent basis told by who consented is
    followed by its consents' ids, "samtycke från den unge, t.o.m. 2027-02-11 (1a2b3c4d)" (a basis still told by
    ids is not told them twice)."""
    text = describe_basis(basis, catalogue, known, roles, recipient=recipient)
    return f"{text} ({basis_ids(basis)})" if readable(basis, known) else text


def readable(basis: Basis, known: Mapping[str, Mapping[str, Any]] | None) -> bool:
    """Whether ``describe_basis`` tells this basis by who consented (the reader sees one of its consents)."""
    return basis.kind == "consent" and bool(known) and any(c in (known or {}) for c in basis.consent_ids)


def basis_ids(basis: Any) -> str:
    """A consent basis's consent ids, short, for an auditor's precision beside the readable basis; "" for others."""
    return ", ".join(c[:8] for c in basis.consent_ids) if basis.kind == "consent" else ""


CONSENT_FACTS = ("consent.granted", "consent.narrowed")   # what ``known_consents`` reads who consented from


class ConsentFacts(tuple):
    """The consent facts of a log (``consent_facts``), put in the order they happened once, with the consents known
    at each moment asked kept: a log's basis is told at each of its rows as the consents stood at the row's moment
    (``known_at``), and each row sorted them all again — a busy case's disclosure log of ~10,000 rows sorted its
    ~230 consent facts at every row, three quarters of the page's 5 s.  Many rows share a moment (a withdrawal ends
    every row it ends at once), so each moment's consents are worked out once; what is returned is shared between
    the rows asking, and read only (``describe_basis``)."""

    def known(self, until: datetime | None) -> dict[str, dict[str, Any]]:
        kept = self.__dict__.setdefault("_known", {})
        if until not in kept:
            if "_ordered" not in self.__dict__:   # stable: the order ``known_consents`` sorted them in, each time
                self.__dict__["_ordered"] = sorted(self, key=fact_order)
            kept[until] = _known(self.__dict__["_ordered"], until)
        return kept[until]


def consent_facts(facts: Iterable[Any]) -> ConsentFacts:
    """The consent facts among ``facts``: a log's basis is told at each of its many rows from these alone."""
    return ConsentFacts(f for f in facts if f.kind in CONSENT_FACTS)


def known_consents(facts: Iterable[Any], until: datetime | None = None) -> dict[str, dict[str, Any]]:
    """The consents the reader itself sees, by id: who gave each (``consenter``, ``consenter_name``) and its end
    (``valid_until``, as a narrowing left it) — from its own consent facts only (``facts``: what it sees, any of
    them; anything with ``kind``, ``content``, ``recorded_at``, ``version`` and ``fact_id``): a member's are the
    parts addressed to it (DOMAIN.md), social services' the whole consents.  Never anything of a consent it cannot
    see.  ``until``: as they stood then (a log's row tells the end date its moment knew, not a later narrowing's).
    Given ``consent_facts``' answer, asked at many moments, they are sorted once (``ConsentFacts``)."""
    if isinstance(facts, ConsentFacts):
        return facts.known(until)
    return _known(sorted(consent_facts(facts), key=fact_order), until)


def _known(ordered: Iterable[Any], until: datetime | None) -> dict[str, dict[str, Any]]:
    """``known_consents`` over consent facts already in the order they happened."""
    known: dict[str, dict[str, Any]] = {}
    for f in ordered:
        if until is not None and f.recorded_at > until:
            continue
        c = f.content
        kept = known.get(c["consent_id"])
        if f.kind == "consent.granted" and (kept is None or kept["version"] != f.version):
            known[c["consent_id"]] = {"consenter": c["consenter"], "consenter_name": c["consenter_name"],
                                      "valid_until": c.get("valid_until"), "version": f.version,
                                      "covers": _covers(f)}
        elif kept is not None:
            # A narrowing, or another part of the same event (an auditor's log holds each recipient's): what the
            # reader sees it cover now is that event's parts together.
            covers = _covers(f) if kept["version"] != f.version else kept["covers"] | _covers(f)
            kept.update(valid_until=c.get("valid_until"), version=f.version, covers=covers)
    return known


def _covers(f: Any) -> frozenset[tuple[str, str]]:
    """The (agency, category) pairs a consent fact says the consent covers: the owner's whole scope, a recipient's
    part (its agency the fact's one audience); none where that cannot be told."""
    c = f.content
    if "scope" in c:
        return frozenset((agency, category) for agency, categories in c["scope"] for category in categories)
    audience = getattr(f, "audience", None) or ()
    if "categories" in c and len(audience) == 1:
        return frozenset((agency, category) for agency in audience for category in c["categories"])
    return frozenset()


def known_at(facts: Iterable[Any], change: str, at: datetime) -> dict[str, dict[str, Any]]:
    """``known_consents`` as a log row's basis had them: at the row's moment, an ended row's just before it (the
    end its basis had, not the narrowing or withdrawal that ended it)."""
    return known_consents(facts, at - timedelta(microseconds=1) if change == "ended" else at)


def guardian_roles(guardian_ids: Iterable[str]) -> dict[str, int]:
    """Each guardian's number, in the order they were first recorded (``Case.known_guardians``): "vårdnadshavare 1"
    says whose consent it is without naming anyone."""
    return {g: i for i, g in enumerate(guardian_ids, start=1)}


def describe_consents(consent_ids: Iterable[str], known: Mapping[str, Mapping[str, Any]],
                      roles: Mapping[str, int] | None = None, young_person: str = "den unge", *,
                      recipient: str) -> str:
    """Who gave the consents and until when, from what the reader sees of them; unseen ones by id only.  The
    guardians by name, or with ``roles`` by number ("vårdnadshavare 1 och 2"; one ``roles`` does not know: "en
    vårdnadshavare", never a name).  ``recipient``: as ``lapses`` takes it."""
    ids = list(consent_ids)
    seen, unseen = [known[c] for c in ids if c in known], [c[:8] for c in ids if c not in known]
    young = any(c["consenter"] == YOUNG_PERSON for c in seen)
    others = list(dict.fromkeys(c["consenter"] for c in seen if c["consenter"] != YOUNG_PERSON))
    who = [young_person] if young else []
    if others and roles is not None:
        numbers = sorted(roles[g] for g in others if g in roles)
        if numbers:
            who.append("vårdnadshavare " + joined([str(n) for n in numbers]))
        who.extend("en vårdnadshavare" for g in others if g not in roles)
    elif others:
        names = list(dict.fromkeys(c["consenter_name"] for c in seen if c["consenter"] != YOUNG_PERSON))
        who.append(("vårdnadshavaren " if len(names) == 1 else "vårdnadshavarna ") + joined(names))
    text = "samtycke från " + " och ".join(who)
    if unseen:
        text += " samt samtycke " + ", ".join(unseen)
    else:   # unknown while one is not seen: an end told from the others could be later than the disclosure's
        end = lapses(seen, recipient=recipient)
        text += f", t.o.m. {end}" if end else ", tills vidare"
    return text


def lapses(consents: list[Mapping[str, Any]], *, recipient: str) -> Any:
    """The last day a disclosure resting on ``consents`` (the whole of its basis, each as ``known_consents`` gives
    it) lasts; None: until further notice.  The basis holds, for each part it needs (agency × category) and each
    consenter whose consent is needed, every consent of theirs in force that covers that part: the disclosure lasts
    while each such group has one consent left — the latest end within a group (one person's two consents to the
    same part: the later one's; one with no end: none), the first end among the groups.

    Which parts the fact needs the basis does not say; every part of the recipient's the consents are seen to cover
    is taken as needed: a part not needed can only make the end told earlier than the real one, never later.  A
    consent whose cover is not known is a group of its own: its end.

    ``recipient``: the agency the disclosure is to — the reader's own, or the one an auditor replays; every caller
    knows it.  Every consent of the basis covers it (the judge chose them for that), so its parts alone are taken:
    social services sees each consent's whole scope, and another agency's part of one of them, which the others do
    not cover, kept one person's two consents to the same part of its own at the earlier end.  (The fact's own
    category is no narrower guide: a fact naming a member needs that membership's category too,
    ``Judge.basis_for``.)"""
    groups: dict[tuple[str, ...], list[Any]] = {}
    for n, c in enumerate(consents):
        parts = [(c["consenter"], a, cat) for a, cat in c.get("covers", ()) if a == recipient] or [(str(n),)]
        for part in parts:
            groups.setdefault(part, []).append(c.get("valid_until"))
    ends = [max(group) for group in groups.values() if None not in group]
    return min(ends) if ends else None


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
