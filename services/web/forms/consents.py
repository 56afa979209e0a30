"""The parsers of the consent forms: a grant, a narrowing, a withdrawal."""

from __future__ import annotations

from typing import Any

from services.web.forms.model import Parsed, out_of_order
from services.web.forms.typed import Typed
from services.web.texts import T


def scope(f: Typed) -> list[dict[str, Any]]:
    """Checkboxes named ``scope`` with values ``agency:category``."""
    by_agency: dict[str, list[str]] = {}
    for pair in f.getlist("scope"):
        agency, _, category = pair.partition(":")
        by_agency.setdefault(agency, []).append(category)
    return [{"agency": a, "categories": cs} for a, cs in by_agency.items()]



def consent(f: Typed) -> Parsed:
    return Parsed({"consenter": f.text("consenter"), "scope": scope(f), "purpose": f.text("purpose"),
            "valid_from": f.text("valid_from"), "valid_until": f.text("valid_until"), "form": f.text("form"),
            "expected_version": f.text("expected_version")}, choices=("consenter", "form"),
            refused=out_of_order(f, "valid_from", "valid_until", "valid_until is before valid_from"))


def narrowing(f: Typed) -> Parsed:
    left = scope(f)
    # Nothing left is a withdrawal, said as such (no box to tick for it); otherwise a narrowing cannot be undone, so
    # it waits for the box that says so, as a withdrawal does.  (One that changes nothing is said so by the page it
    # comes back to, which knows the consent: ``consent_views.narrowing_errors``.)
    if not left:
        refused = {"scope": T["narrowing_left_empty"]}
    else:
        refused = {} if f.has("confirm", "on") else {"confirm": T["consent_narrow_unconfirmed"]}
    return Parsed({"consenter": f.text("consenter"), "scope": left, "valid_until": f.text("valid_until"),
            "expected_version": f.text("expected_version")}, refused=refused)


def withdrawal(f: Typed) -> Parsed:
    return Parsed({"consenter": f.text("consenter"), "expected_version": f.text("expected_version")})
