"""Reference data an installation can extend: agencies, categories, legal bases, municipalities.

The catalogue is a value: the domain never reads files.  ``services``
loads the TOML and hands a ``Catalogue`` to the aggregate and the rules.
"""

from __future__ import annotations

import json
import re
from dataclasses import MISSING, asdict, dataclass, fields
from hashlib import sha256
from functools import cached_property
from typing import Any, Mapping

from domain.errors import InvalidInput

# A feed is named ``<agency>.<municipality>`` (and a topic after it), so neither may hold a dot; the lengths are
# what a feed cursor carries.
AGENCY_ID = re.compile(r"[a-z0-9_-]{1,50}")
MUNICIPALITY_CODE = re.compile(r"[A-Za-z0-9]{1,10}")


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    membership_category: str = "case"
    lead: bool = False
    # A public authority is bound by secrecy (OSL) for what it is told; a voluntary organisation is not: what a
    # consent lets out to it is no longer protected there, which the young person and guardians must be told.
    bound_by_secrecy: bool = True


@dataclass(frozen=True)
class Category:
    id: str
    name: str


@dataclass(frozen=True)
class LegalBasis:
    """A ground other than consent on which facts flow from senders to one recipient."""

    id: str
    name: str
    recipient: str
    senders: frozenset[str]
    categories: frozenset[str]
    # The young person must be under this age when the fact is recorded (18: LUL 6 §, SoL 14 kap. 1 §; 21: OSL 10 kap.
    # 18 a §); None: any age.  A catalogue may still say `under_18_only = true/false`, as before 2026-12-05.
    under_age: int | None = 18

    def covers_age(self, age: int) -> bool:
        return self.under_age is None or age < self.under_age


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    areas: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    agencies: Mapping[str, Agency]
    categories: Mapping[str, Category]
    legal_bases: Mapping[str, LegalBasis]
    municipalities: Mapping[str, Municipality]
    plan_areas: Mapping[str, str]

    @cached_property  # asked several times per request; the catalogue never changes
    def lead_agency(self) -> str:
        return next(a.id for a in self.agencies.values() if a.lead)

    @cached_property
    def digest(self) -> str:
        """A digest of every entry in the catalogue but the names it is shown by: the log holds ids, kinds, categories
        and bases, so a renamed agency writes the same rows.  Wider than what the rules read (an agency's
        ``bound_by_secrecy``, the plan areas): a field left out that they did read would let a changed catalogue
        make a lasting false finding, one left in only puts the next replaced log beyond holding.  Recorded with
        the views and with each log a rebuild replaces: one built under another catalogue cannot be held to the
        events (``services.stored_log.ReplacedLog.held``), as one built under other rules cannot."""
        deciding = {section: sorted(_unnamed(entry) for entry in getattr(self, section).values())
                    for section in ("agencies", "categories", "legal_bases", "municipalities")}
        text = json.dumps({**deciding, "plan_areas": sorted(self.plan_areas.items())}, sort_keys=True)
        return sha256(text.encode()).hexdigest()[:32]

    def agency(self, agency_id: str, field: str = "agency") -> Agency:
        return _lookup(self.agencies, agency_id, "agency", field)

    def category(self, category_id: str, field: str = "category") -> Category:
        return _lookup(self.categories, category_id, "category", field)

    def legal_basis(self, basis_id: str, field: str = "legal_basis") -> LegalBasis:
        return _lookup(self.legal_bases, basis_id, "legal basis", field)

    def municipality(self, code: str, field: str = "municipality") -> Municipality:
        return _lookup(self.municipalities, code, "municipality", field)

    def membership_category(self, agency_id: str) -> str:
        return self.agency(agency_id).membership_category

    def category_of_area(self, area: str) -> str | None:
        """The category a plan area of the catalogue reveals (whatever its case and spacing: "hälsa", " Hälsa");
        None for an area the catalogue does not know — which must then be given one: a row about "Psykisk hälsa"
        filed under `case` was shown to every member seeing `case`."""
        wanted = area_key(area)
        return next((category for known, category in self.plan_areas.items() if area_key(known) == wanted), None)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Catalogue:
        agencies = [_complete("agency", Agency, a, strict=True) for a in data.get("agencies", [])]
        categories = [_complete("category", Category, c, strict=True) for c in data.get("categories", [])]
        catalogue = cls(
            agencies={a["id"]: Agency(**_flags_checked("agency", a, ("lead", "bound_by_secrecy"))) for a in agencies},
            categories={c["id"]: Category(**c) for c in categories},
            legal_bases={b["id"]: _legal_basis(_complete("legal basis", LegalBasis, b))
                         for b in data.get("legal_bases", [])},
            municipalities={m["code"]: _municipality(_complete("municipality", Municipality, m))
                            for m in data.get("municipalities", [])},
            plan_areas=dict(data.get("plan_areas", {})),
        )
        catalogue.check_consistent()
        return catalogue

    def check_consistent(self) -> None:
        """Every reference inside the catalogue names something that exists, and every id can name a feed."""
        for agency_id in self.agencies:
            if not AGENCY_ID.fullmatch(agency_id):
                raise InvalidInput(f"agency id '{agency_id}': use lower-case letters, digits, - and _ only (it names"
                                   " feeds and topics: <agency>.<municipality>)", field="agencies")
        for code in self.municipalities:
            if not MUNICIPALITY_CODE.fullmatch(code):
                raise InvalidInput(f"municipality code '{code}': use letters and digits only", field="municipalities")
        leads = [a.id for a in self.agencies.values() if a.lead]
        if len(leads) != 1:
            raise InvalidInput(f"the catalogue needs exactly one lead agency, found {len(leads)}")
        for agency in self.agencies.values():
            self.category(agency.membership_category, field=f"agencies.{agency.id}")
        for basis in self.legal_bases.values():
            self.agency(basis.recipient, field=f"legal_bases.{basis.id}.recipient")
            for sender in basis.senders:
                self.agency(sender, field=f"legal_bases.{basis.id}.senders")
            for category in basis.categories:
                self.category(category, field=f"legal_bases.{basis.id}.categories")
        for area, category in self.plan_areas.items():
            self.category(category, field=f"plan_areas.{area}")


def merge_mappings(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """An installation's file adds entries, or replaces those with the same id."""
    merged: dict[str, Any] = {}
    for section, key in (("agencies", "id"), ("categories", "id"), ("legal_bases", "id"), ("municipalities", "code")):
        entries = {e[key]: e for e in base.get(section, [])}
        entries.update({e[key]: e for e in extra.get(section, [])})
        merged[section] = list(entries.values())
    merged["plan_areas"] = {**base.get("plan_areas", {}), **extra.get("plan_areas", {})}
    return merged


# What a refusal may say back: a value shaped like a catalogue's id (``skola``, ``0180``).  Anything else typed in
# such a field may be a name or a personnummer, and an error answer is kept by clients' and gateways' logs.
ID_SHAPED = re.compile(r"[a-z][a-z0-9_]{0,39}|[0-9]{4}")


def _unnamed(entry: Any) -> str:
    """An entry without its name, as JSON text (sets in order)."""
    return json.dumps({k: v for k, v in asdict(entry).items() if k != "name"}, sort_keys=True, default=sorted)


def _lookup(table: Mapping[str, Any], key: str, what: str, field: str) -> Any:
    try:
        return table[key]
    except (KeyError, TypeError):
        said = f"unknown {what} '{key}'" if isinstance(key, str) and ID_SHAPED.fullmatch(key) else f"unknown {what}"
        raise InvalidInput(said, field=field) from None


class IncompleteEntry(InvalidInput):
    """A catalogue entry lacks a field its kind needs, or names one it does not have."""


def _complete(kind: str, cls: type, entry: Mapping[str, Any], *, strict: bool = False) -> Mapping[str, Any]:
    """``entry`` when it has every field ``cls`` needs (and, ``strict``, no other): an installation's catalogue file
    lacking an agency's name said "Agency.__init__() missing 1 required positional argument: 'name'"."""
    known = [f.name for f in fields(cls)]
    missing = [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
               and f.name not in entry]
    unknown = sorted(k for k in entry if k not in known) if strict else []
    if not (missing or unknown):
        return entry
    named = entry.get("id", entry.get("code"))
    said = f"{kind} '{named}'" if isinstance(named, str) and ID_SHAPED.fullmatch(named) else f"{kind} without an id"
    problems = ([f"lacks {', '.join(missing)}"] if missing else []) + (
        [f"has no field {', '.join(unknown)}"] if unknown else [])
    raise IncompleteEntry(f"{said} {' and '.join(problems)} (its fields: {', '.join(known)})", field=kind)


def _flags_checked(kind: str, entry: Mapping[str, Any], flags: tuple[str, ...]) -> Mapping[str, Any]:
    """``entry`` when its yes/no fields are true or false: `bound_by_secrecy = "no"` would have read as yes."""
    wrong = [f for f in flags if f in entry and not isinstance(entry[f], bool)]
    if wrong:
        named = entry.get("id")
        said = f"{kind} '{named}'" if isinstance(named, str) and ID_SHAPED.fullmatch(named) else f"{kind} without an id"
        raise IncompleteEntry(f"{said}: {', '.join(wrong)} must be true or false", field=kind)
    return entry


def _legal_basis(data: Mapping[str, Any]) -> LegalBasis:
    return LegalBasis(
        id=data["id"],
        name=data["name"],
        recipient=data["recipient"],
        senders=frozenset(data["senders"]),
        categories=frozenset(data["categories"]),
        under_age=_under_age(data),
    )


def _under_age(data: Mapping[str, Any]) -> int | None:
    """A legal basis's age limit: `under_age = 21`, or as catalogues said it before, `under_18_only` (true: 18)."""
    if "under_age" in data:
        limit = data["under_age"]
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit < 130):
            raise IncompleteEntry(f"legal basis '{data['id']}': under_age must be an age in years", field="legal basis")
        return limit
    return 18 if data.get("under_18_only", True) else None


def _municipality(data: Mapping[str, Any]) -> Municipality:
    return Municipality(code=data["code"], name=data["name"], areas=tuple(data.get("areas", ())))


def area_key(area: str) -> str:
    """A plan area as the catalogue matches it: whatever its case and spacing."""
    return " ".join(area.split()).casefold()
