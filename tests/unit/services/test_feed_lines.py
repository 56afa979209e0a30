"""The reference consumer's line for a message: a withheld kind (schema 4) and a message a topic kept from schema 3."""

from __future__ import annotations

import io

from gateways.kafka_consumer import Received
from services.cli_feed import readable

BODY = {"schema": "sigill.disclosure/4", "event_id": "e", "feed": "skola.0180", "sequence": 7, "case_id": "c",
        "agency": "skola", "fact_id": "k3v7q2m5xw4hzb6ndr2tcy7e", "kind": None, "category": None, "change": "ended",
        "basis": {"kind": "withheld", "consent_ids": [], "legal_basis": None}, "at": "2026-03-09T08:00:00+00:00",
        "content": None, "erased": False}


def line(body: dict) -> tuple[str, str]:
    return readable(Received("e", body, 0, 0))


def test_a_message_of_a_fact_no_longer_seen_says_its_kind_is_withheld():
    text, problem = line(BODY)
    assert problem == "" and " ended         withheld         -           case=c fact=k3v7" in text


def test_a_message_a_topic_kept_from_schema_3_is_still_read():
    text, problem = line({**BODY, "schema": "sigill.disclosure/3", "kind": "contribution", "category": "school"})
    assert problem == "" and "contribution" in text and "school" in text
    _, unknown = line({**BODY, "schema": "sigill.disclosure/2"})
    assert "which this consumer does not know (it reads sigill.disclosure/3 and sigill.disclosure/4)" in unknown


def test_the_reference_consumer_drops_what_it_remembers_when_the_ids_are_renewed(capsys):
    """After a restore renewed the ids the topic gets every message again under new ids: the consumer says so once,
    forgets the event ids it handled (none comes again), and skips records of the old generation that another
    partition still holds."""
    from services.cli_feed import Deduplicator, Tally, _handle

    seen, tally, out = Deduplicator(), Tally(), io.StringIO()

    def record(event_id: str, generation: str, partition: int = 0) -> Received:
        return Received(event_id, {**BODY, "event_id": event_id}, partition, 0, id_generation=generation)

    _handle(Received("e0", BODY, 0, 0), seen, tally, out)       # published before generations were named
    _handle(record("e1", "aaaaaaaaaaaa"), seen, tally, out)
    _handle(record("e1", "aaaaaaaaaaaa"), seen, tally, out)     # a repeat
    assert (tally.handled, tally.repeats) == (2, 1) and capsys.readouterr().err == ""
    _handle(record("n1", "bbbbbbbbbbbb"), seen, tally, out)     # the first record of the renewed ids
    renewed = capsys.readouterr().err
    assert "ids were renewed after a restore (generation aaaaaaaaaaaa → bbbbbbbbbbbb)" in renewed
    assert "drops everything it holds" in renewed
    _handle(record("e2", "aaaaaaaaaaaa", partition=1), seen, tally, out)   # the old generation, from another partition
    _handle(record("n1", "bbbbbbbbbbbb"), seen, tally, out)
    assert (tally.handled, tally.repeats, tally.dropped_records) == (3, 2, 1)
    assert capsys.readouterr().err == "" and "1 med förnyade id:n överhoppat." in str(tally)
    assert out.getvalue().count("\n") == 3


def test_a_consumer_started_again_after_a_renewal_keeps_the_new_generation_met_first(capsys):
    """Started again after a renewal, the consumer may meet the new generation first, in a partition it had read to
    the end, and the old one after it, in a partition it had not: which is newer is told by that partition moving on,
    not by which came first.  Taken as a renewal to the old generation, every record of the new one after it was
    skipped — the ``ended`` of what it held among them (a red team, 2026-12-05)."""
    from services.cli_feed import Deduplicator, Tally, _handle

    seen, tally, out = Deduplicator(), Tally(), io.StringIO()
    old, new = "aaaaaaaaaaaa", "bbbbbbbbbbbb"

    def record(event_id: str, generation: str, partition: int) -> Received:
        return Received(event_id, {**BODY, "event_id": event_id}, partition, 0, id_generation=generation)

    _handle(record("n1", new, partition=1), seen, tally, out)   # read to its end before: the renewed ids only
    _handle(record("o1", old, partition=0), seen, tally, out)   # not read to its end: the old ids' last records
    assert capsys.readouterr().err == ""                         # nothing told yet: either may be the newer
    _handle(record("n2", new, partition=0), seen, tally, out)   # this partition moves on: the old one is dropped
    renewed = capsys.readouterr().err
    assert f"ids were renewed after a restore (generation {old} → {new})" in renewed
    assert f"drops everything it holds of generation {old}" in renewed
    _handle(record("n3", new, partition=1), seen, tally, out)
    _handle(record("o2", old, partition=2), seen, tally, out)   # another partition's old record: skipped
    assert (tally.handled, tally.dropped_records, tally.id_generation) == (4, 1, new)
    assert out.getvalue().count("\n") == 4


def test_a_generation_no_sigill_wrote_reaches_the_terminal_quoted(capsys):
    """Anyone who may write to a topic can put anything in a header: a generation that is not Sigill's 12 hex
    characters is quoted and cut short, so no control character of it reaches the operator's terminal."""
    from services.cli_feed import Deduplicator, Tally, _handle

    seen, tally, out = Deduplicator(), Tally(), io.StringIO()
    for event_id, generation in (("e1", "aaaaaaaaaaaa"), ("e2", "\x1b]0;owned\x07" + "x" * 80)):
        _handle(Received(event_id, {**BODY, "event_id": event_id}, 0, 0, id_generation=generation), seen, tally, out)
    said = capsys.readouterr().err
    assert "\x1b" not in said and "\x07" not in said and "aaaaaaaaaaaa → '\\x1b]0;owned\\x07" in said
