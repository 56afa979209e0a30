"""The HTTP feed's cursors: opaque, a number in one feed and epoch, and nothing this server did not issue."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, strategies as st

from services.feeds import Cursor, MalformedCursor, OutdatedCursor, decode_cursor, encode_cursor

epochs = st.text("0123456789abcdef", min_size=8, max_size=8)
feeds = st.sampled_from(["skola", "polis", "socialtjanst.0180", "socialtjanst.1281", "arbets-formedling"])


generations = st.text("0123456789abcdef", min_size=12, max_size=12)


@given(epochs, feeds, st.integers(0, 10**18 - 1), generations | st.just(""))
def test_a_cursor_decodes_to_what_was_encoded(epoch, feed, seq, ids):
    cursor = Cursor(epoch, feed, seq, ids)
    assert decode_cursor(encode_cursor(cursor)) == cursor


def test_a_cursor_names_its_ids_generation_and_the_longest_fits_the_routes_160_characters():
    raw = base64.urlsafe_b64decode(encode_cursor(Cursor("5e0c2a91", "skola.0180", 47, "3f9a0c12b7e4")) + "==")
    assert raw == b"sigill-feed:3:3f9a0c12b7e4:5e0c2a91:skola.0180:47"
    longest = encode_cursor(Cursor("5e0c2a91", "a" * 50 + "." + "B" * 10, 10**18 - 1, "3f9a0c12b7e4"))
    assert len(longest) <= 160 and decode_cursor(longest).seq == 10**18 - 1


def test_no_cursor_is_the_beginning():
    assert decode_cursor(None) is None and decode_cursor("") is None


def test_a_cursor_of_the_global_log_is_outdated_and_says_to_start_again():
    old = base64.urlsafe_b64encode(b"sigill-feed:4711").decode().rstrip("=")
    with pytest.raises(OutdatedCursor, match="start again from the beginning") as raised:
        decode_cursor(old, "Last-Event-ID")
    assert raised.value.field == "Last-Event-ID"


@pytest.mark.parametrize("raw", [b"sigill-feed:2:0000abcd:skola:", b"sigill-feed:2:0000ABCD:skola:5",
                                 b"sigill-feed:2:0000abcd:Skola:5", b"sigill-feed:2:0000abcd:skola:-5",
                                 b"sigill-feed:2:0000abcd:skola.0180.x:5", b"sigill-feed:3:0000abcd:skola:5",
                                 b"sigill-feed:3:3f9a0c12b7e:0000abcd:skola:5",
                                 b"sigill-feed:3:3F9A0C12B7E4:0000abcd:skola:5",
                                 b"sigill-feed:2:3f9a0c12b7e4:0000abcd:skola:5"])
def test_anything_else_is_malformed(raw):
    with pytest.raises(MalformedCursor):
        decode_cursor(base64.urlsafe_b64encode(raw).decode().rstrip("="))


def test_a_cursor_reveals_only_its_own_feeds_number():
    raw = base64.urlsafe_b64decode(encode_cursor(Cursor("5e0c2a91", "skola", 47)) + "==")
    assert raw == b"sigill-feed:2:5e0c2a91:skola:47"
