"""The parsers of social services' administration forms: a referral, the eligibility decision, the guardians, the
closure, protected personal data."""

from __future__ import annotations

from services.web.forms.model import YES_NO, Parsed, field_key
from services.web.forms.typed import ROWS, Typed
from services.web.texts import T
from services.web.error_texts import GUARDIAN_NAME_KEPT, GUARDIAN_NAME_NONE


def referral(f: Typed, municipality: str) -> Parsed:
    return Parsed({"municipality": municipality, "personnummer": f.text("personnummer"), "name": f.text("name"),
            "entry_route": f.text("entry_route"), "referring_agency": f.text("referring_agency"),
            "referral_date": f.text("referral_date"), "summary": f.text("summary"),
            "summary_category": f.text("summary_category"),
            "duplicate_confirmed": f.has("duplicate_confirmed", "on")},
            choices=("entry_route", "referring_agency", "summary_category"))



def eligibility(f: Typed) -> Parsed:
    accepted = f.text("accepted")
    return Parsed({"accepted": YES_NO.get(accepted, accepted), "reasons": f.text("reasons"),
            "instruments": f.getlist("instruments"), "decided_on": f.text("decided_on"),
            "outside_target_group_reason": f.text("outside_target_group_reason"),
            "expected_version": f.text("expected_version")}, choices=("accepted",))


def guardians(f: Typed) -> Parsed:
    rows, positions, refused = [], [], {}
    nameless: int | None = None   # the first new row with custody ticked and no name
    for i in range(ROWS):
        name, known = f.text(f"guardians.{i}.name"), f.text(f"guardians.{i}.guardian_id")
        if name is None and known is None:
            if nameless is None and f.has(f"guardians.{i}.has_custody", "on"):
                nameless = i
            continue
        if name is None:   # a recorded guardian's name emptied: said how custody ends, not "Fältet måste fyllas i."
            refused[f"guardians.{i}.name"] = GUARDIAN_NAME_KEPT
        rows.append({"guardian_id": known, "name": name, "has_custody": f.has(f"guardians.{i}.has_custody", "on")})
        positions.append(i)
    if not rows and nameless is not None:
        # Blank new rows are skipped, but with none named there is nobody to save: the row is asked its name, where
        # "Ange minst en förälder eller vårdnadshavare." of the whole list did not say what to fill in.
        rows.append({"guardian_id": None, "name": None, "has_custody": True})
        positions.append(nameless)
        refused[f"guardians.{nameless}.name"] = GUARDIAN_NAME_NONE
    return Parsed({"guardians": rows, "expected_version": f.text("expected_version")}, {"guardians": positions},
                  refused)



def closure(f: Typed) -> Parsed:
    # Closing cannot be undone, so it waits for the box that says so to be ticked (said with the fields' errors).
    unconfirmed = {} if f.has("confirm", "on") else {"confirm": T["closure_unconfirmed"]}
    return Parsed({"reason": f.text("reason"), "outcome": f.text("outcome"),
                   "expected_version": f.text("expected_version")}, refused=unconfirmed, choices=("reason",))


class _ProtectionParsed(Parsed):
    """The protection form has one select (``kind``) for the state, so an error at ``protected`` is said there."""

    def key(self, path: str) -> str:
        return "kind" if field_key(path) == "protected" else super().key(path)


NOT_PROTECTED = "none"   # the protection form's choice for "no protected personal data"


def protection(f: Typed) -> Parsed:
    kind = f.text("kind")
    return _ProtectionParsed({"protected": None if kind is None else kind != NOT_PROTECTED,
                              "kind": None if kind in (None, NOT_PROTECTED) else kind,
                              "since": f.text("since"), "expected_version": f.text("expected_version")},
                             choices=("kind",))
