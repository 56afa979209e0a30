"""Whether a consent in force lets anything out: the parts of its scope that disclose nothing for want of another
consenter's consent.

Under 18 the young person's consent and every custodial guardian's must all cover a part — an agency and a category
(DOMAIN.md) — for it to be disclosed.  A consent in force beside a withdrawn one therefore lets nothing out, while its
dates alone read as a consent that holds.  Whose consent is missing for a part is the rules' own answer
(``domain.judge.missing_consents``: asked by the web's consent picture for social services, and by
``domain.standing`` for auditors); this gathers it over one consent's scope, the one definition the web's consents
page and the supervisor's report both say.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, NamedTuple, Sequence

from domain.values import ScopeEntry

Part = tuple[str, str]   # (agency, category)


class Waiting(NamedTuple):
    """A consent's parts that disclose nothing now for want of others' consents, of how many it has, and whose
    consents are missing (each once, in the order of its parts)."""

    parts: tuple[Part, ...]
    of: int
    missing: tuple[Any, ...]

    @property
    def whole(self) -> bool:
        """Nothing of the consent's scope is disclosed under it."""
        return len(self.parts) == self.of


def scope_parts(scope: Iterable[ScopeEntry]) -> list[Part]:
    return [(s.agency, c) for s in scope for c in s.categories]


def waiting_parts(scope: Iterable[ScopeEntry], missing_for: Callable[[str, str], Sequence[Any]]) -> Waiting | None:
    """The parts of ``scope`` for which ``missing_for(agency, category)`` names someone whose consent is missing;
    None when no part waits for anyone.  ``missing_for`` answers () for a part its consents carry, or for which no
    one's consent is missing but a consent altogether."""
    parts = scope_parts(scope)
    waiting = [(part, who) for part in parts if (who := tuple(missing_for(*part)))]
    if not waiting:
        return None
    return Waiting(tuple(part for part, _ in waiting), len(parts),
                   tuple(dict.fromkeys(m for _, who in waiting for m in who)))
