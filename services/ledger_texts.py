"""The ledger verification's findings in words: the English detail a ``Divergence`` carries (the API's), and what a
Swedish reader (the report, `sigill audit verify`, the web's ledger pages) is told of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.audit_text import CLI_TRUST

if TYPE_CHECKING:
    from services.ledger import Divergence


DETAILS = {
    "inserted": "the ledger has no entry for this event, which stands before sealed ones: it was added afterwards,"
                " or its ledger entry was removed",
    "removed": "the ledger records an event that is no longer stored",
    "reordered": "this event stands where the ledger sealed another one",
    "altered": "the stored bytes differ from those the ledger sealed",
}


# What a Swedish reader (the report, `sigill audit verify`) is told; the API keeps the English detail.
_SWEDISH = {
    DETAILS["inserted"]: "liggaren saknar post för händelsen, som står före förseglade händelser: den lades till"
                         " i efterhand, eller dess post i liggaren togs bort",
    DETAILS["removed"]: "liggaren förseglade en händelse som inte längre finns lagrad",
    DETAILS["reordered"]: "händelsen står där liggaren förseglade en annan",
    DETAILS["altered"]: "de lagrade byten skiljer sig från dem liggaren förseglade",
}


UNTRUSTED_KEY = f"the checkpoint is signed by a key not trusted here ({CLI_TRUST.english})"
BAD_SIGNATURE = "the checkpoint's signature does not verify"
LINK_MISMATCH = "the chain recomputed from the events does not reach the checkpoint's hash"
UNREACHED = "a checkpoint names an event the ledger no longer reaches"
UNREACHED_EXPORTED = ("the exported checkpoint (from the file) names an event the ledger no longer reaches: the ledger"
                      " was cut short, or rewritten, since the file was written")
LINK_MISMATCH_EXPORTED = ("the chain recomputed from the events does not reach the exported checkpoint's hash (from"
                          " the file): the ledger no longer matches what was exported")
REORDERED = "this event stands where the ledger sealed another one: version {version} of {whose}"
BROKEN_BEFORE = ("this event, or one removed just before it (between positions {earlier} and {later}), differs from"
                 " what the ledger sealed: the chain does not follow on from the entry before")
BROKEN_AFTER = ("the ledger's chain breaks after this, the case's last sealed event: the entry at position {later}"
                " does not follow from the one at {earlier} — an event between them (perhaps this case's next) was"
                " removed with its ledger entry, or the event at position {later} was changed")
CUT_AFTER = ("the ledger ends at position {earlier}, but a signed checkpoint covers position {later}: the ledger's"
             " entries after {earlier} were removed, perhaps with this case's next events")
MISSING = ("version {version} of the case is stored nowhere, nor is its ledger entry: it was removed with its entry,"
           " between positions {earlier} and {later}")
_SWEDISH_BETWEEN = {
    "altered_or_removed_before": "den här händelsen, eller en som tagits bort strax före den (mellan position {earlier}"
                                 " och {later}), skiljer sig från det liggaren förseglade: kedjan följer inte på"
                                 " posten före",
    "altered_or_removed_after": "liggarens kedja bryts efter ärendets sista förseglade händelse: posten vid position"
                                " {later} följer inte på den vid {earlier} – en händelse mellan dem (kanske ärendets"
                                " nästa) har tagits bort tillsammans med sin post i liggaren, eller händelsen vid"
                                " position {later} har ändrats",
    "removed": "en händelse i ärendet finns varken lagrad eller i liggaren: den togs bort tillsammans med sin post,"
               " mellan position {earlier} och {later}",
}
_SWEDISH_CUT_AFTER = ("liggaren slutar vid position {earlier}, men en signerad kontrollpunkt täcker position {later}:"
                      " liggarens poster efter {earlier} har tagits bort, kanske med ärendets nästa händelser")
UNSEALED_MISSING = ("this event of the case, not yet sealed, is stored nowhere, though a later one is: it was removed"
                    " (the ledger has no entry to tell what it held)")
UNSEALED_OUT_OF_SEQUENCE = ("this event, not yet sealed, does not follow on from the case's events before it (its"
                            " version is taken, or out of order): it was added afterwards")
UNCOVERED = ("no signed checkpoint covers the ledger's last entry: its checkpoints were removed, or entries were"
             " added without the ledger key")
_SWEDISH.update({
    UNSEALED_MISSING: "händelsen i ärendet, som ännu inte förseglats, finns inte lagrad, men en senare gör det: den har"
                      " tagits bort (liggaren har ingen post som visar vad den innehöll)",
    UNSEALED_OUT_OF_SEQUENCE: "händelsen, som ännu inte förseglats, följer inte på ärendets händelser före den (dess"
                              " nummer är redan använt, eller i fel ordning): den lades till i efterhand",
    UNTRUSTED_KEY: f"kontrollpunkten är signerad med en nyckel som inte är betrodd här ({CLI_TRUST.swedish})",
    BAD_SIGNATURE: "kontrollpunktens signatur stämmer inte",
    LINK_MISMATCH: "kedjan räknad ur händelserna når inte kontrollpunktens hash",
    UNREACHED: "en kontrollpunkt pekar på en händelse som liggaren inte längre når",
    UNREACHED_EXPORTED: "den exporterade kontrollpunkten (ur filen) pekar på en händelse som liggaren inte längre"
                        " når: liggaren har kortats, eller skrivits om, sedan filen skrevs",
    LINK_MISMATCH_EXPORTED: "kedjan räknad ur händelserna når inte den exporterade kontrollpunktens hash (ur filen):"
                            " liggaren stämmer inte längre med det som exporterades",
    UNCOVERED: "ingen signerad kontrollpunkt täcker liggarens sista post: kontrollpunkter har tagits bort, eller"
               " poster lagts till utan liggarens nyckel",
})


def swedish_detail(divergence: Divergence) -> str:
    if divergence.kind == "reordered" and divergence.sealed is not None:
        sealed_id, sealed_version = divergence.sealed
        history = ({"case": "samma ärendes", "case_number_series": "samma ärendenummerseries"}.get(
            divergence.aggregate or "", "samma") + " historik" if sealed_id == divergence.case_id else
            f"historiken för {sealed_id}")
        return f"händelsen står där liggaren förseglade en annan: händelse {sealed_version} i {history}"
    if divergence.between is not None and divergence.kind in _SWEDISH_BETWEEN:
        earlier, later = divergence.between
        said = _SWEDISH_CUT_AFTER if divergence.detail == CUT_AFTER.format(earlier=earlier, later=later) else \
            _SWEDISH_BETWEEN[divergence.kind]
        return said.format(earlier=earlier, later=later)
    return _SWEDISH.get(divergence.detail, divergence.detail)


def where_diverged(d: Divergence) -> str:
    """Where the events and the ledger first disagree, in Swedish: the position in the whole event log (what the
    ledger counts), and for a case's event its case and its number in the case's history — the report's and the
    timeline's "händelse" — so that the two are not taken for one another.  An event of a case-number series is
    named as one (it is no case); a removed event's aggregate is not known (only its id is left)."""
    where = f"position {d.notification_id} i händelseloggen"
    if not d.case_id:
        return where
    if d.aggregate == "case_number_series":
        return where + (f" (ärendenummerserie {d.case_id}, inte ett ärende; händelse {d.version} i seriens"
                        " historik)")
    if d.aggregate is None:
        return where + f" (ärende eller ärendenummerserie {d.case_id}, händelse {d.version} i dess historik)"
    return where + f" (ärende {d.case_id}, händelse {d.version} i ärendets historik)"


def describe_divergence(d: Divergence) -> str:
    """The whole finding, in Swedish: where, and what."""
    return f"ÄNDRAD vid {where_diverged(d)}: {swedish_detail(d)}"
