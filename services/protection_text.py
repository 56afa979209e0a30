"""Skyddade personuppgifter in Swedish: the protection's kinds, a `case.protected` fact, its history in an
auditor's report, and what an auditor's replay says of it at its moment.

Apart because the web client, the command line and the report say the same words of it, and a replay tells it
beside the facts, whether or not the agency replayed was shown the marker.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable, Mapping

from domain.facts import Fact, fact_order

# Skatteverket's protections of a person's identity (domain.values.ProtectionKind), as the web and the logs say them.
PROTECTION_KINDS = {"sekretessmarkering": "sekretessmarkering", "skyddad_folkbokforing": "skyddad folkbokföring"}


def describe_protection(content: Mapping[str, Any]) -> str:
    """A `case.protected` fact: recorded (with its kind) or lifted, from its day."""
    if not content["protected"]:
        return f"Skyddade personuppgifter upphörde att gälla {content['since']}"
    kind = PROTECTION_KINDS.get(content["kind"], content["kind"])
    return f"Skyddade personuppgifter ({kind}) från {content['since']}"


def protection_history(facts: Iterable[Fact], when: Callable[[datetime], str]) -> list[str]:
    """Every `case.protected` fact of a case, in order, as an auditor's report lists them: what was recorded, from
    which day, and when it was recorded (``when`` says the time; the day it holds from may be earlier)."""
    return [f"{describe_protection(f.content)} (registrerat {when(f.recorded_at)})"
            for f in sorted((f for f in facts if f.kind == "case.protected"), key=fact_order)]


NO_PROTECTION_THEN = "Vid tidpunkten var inga skyddade personuppgifter registrerade för den unge."


def protection_then(at_moment: Mapping[str, Any]) -> str:
    """An auditor's replay's words for skyddade personuppgifter recorded at its moment (``{kind, since}``)."""
    kind = PROTECTION_KINDS.get(at_moment["kind"], at_moment["kind"])
    return f"Vid tidpunkten hade den unge skyddade personuppgifter ({kind}), gällande från {at_moment['since']}."


def marker_seen(told: bool, agency: str) -> str:
    """Whether the replayed agency (its name) saw the marker among what it was shown."""
    return f"{agency} såg markeringen." if told else \
        f"{agency} såg inte markeringen (den var inte bland det {agency} fick se)."


def protection_at_moment(at_moment: Mapping[str, Any] | None, told: bool, agency: str, any_now: bool) -> list[str]:
    """What an auditor's replay of ``agency`` at a moment says of skyddade personuppgifter, the command line's and
    the web client's alike: recorded then (``at_moment``), and whether the agency saw the marker (``told``); or,
    when there are some now (``any_now``), that there were none then.  Nothing when there never were."""
    if at_moment is not None:
        return [protection_then(at_moment) + " " + marker_seen(told, agency)]
    return [NO_PROTECTION_THEN] if any_now else []
