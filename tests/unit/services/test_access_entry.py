"""An access-log entry the log cannot store is refused when it is made, for its own read alone: written, it failed
the batch it shared with other readers (a 503 for each of them)."""

from datetime import datetime, timezone
from uuid import uuid4

import pytest

from services.access_entry import AccessEntry, UnwritableEntry


def entry(**text: str) -> AccessEntry:
    fields = {"subject": "u1", "agency": "skola", "roles": "member", "what": "timeline", **text}
    return AccessEntry(datetime(2026, 12, 5, tzinfo=timezone.utc), uuid4(), **fields)


@pytest.mark.parametrize("field", ["subject", "agency", "roles", "what", "reader_name", "purpose"])
@pytest.mark.parametrize("value,said", [("a\x00b", "holds a NUL"), ("a\ud800b", "is not valid Unicode text")])
def test_text_the_log_cannot_store_is_refused_naming_the_field(field, value, said):
    with pytest.raises(UnwritableEntry, match=f"{field} {said}"):
        entry(**{field: value})


def test_any_script_and_emoji_are_stored_as_given():
    made = entry(reader_name="Åsa Öberg 李 😀", purpose="Nätverksmöte – förberedelse")
    assert made.reader_name == "Åsa Öberg 李 😀"
