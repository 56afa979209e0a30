"""The API's JSON reader: what ``json.loads`` reads, except an object that names a key twice."""

from __future__ import annotations

import json

import pytest

from services.api.one_key_each import MOST_KEYS, RepeatedKey, TooManyKeys, loads

SAME = [b'{"a": 1, "b": [{"a": 2}, {"a": 3}], "c": {"a": null}}', b"[]", b"1", b'"x"', b" {} ",
        '{"text": "Närvaro 80 %"}'.encode("utf-16"), '{"text": "å"}'.encode("utf-32-le"),
        b'\xef\xbb\xbf{"a": 1}', b'{"a": 1e400, "b": NaN}']


@pytest.mark.parametrize("body", SAME)
def test_a_body_naming_each_key_once_reads_as_json_loads_reads_it(body):
    assert repr(loads(body)) == repr(json.loads(body))


@pytest.mark.parametrize("body", [b"", b"{", b'{"a": 1} x', b'{"a": 1, "a": 2', b'{"a": 1, "a": 2}}', b"\xff\xfe\xff"])
def test_a_body_that_is_not_json_fails_as_json_loads_fails(body):
    with pytest.raises(Exception) as expected:
        json.loads(body)
    with pytest.raises(type(expected.value)):
        loads(body)


@pytest.mark.parametrize("body, field", [
    (b'{"text": "a", "text": "b"}', "body.text"),
    (b'{"rows": [{"goal": 1}, {"goal": 1, "goal": 2}]}', "body.rows.1.goal"),
    (b'[{"a": 1, "a": 1}]', "body.0.a"),
    (b'{"te\\u0078t": 1, "text": 2}', "body.text"),                    # the same key, escaped: one key to Python
    (b'{"rows": [{"x": 1, "x": 2}], "rows": 3}', "body.rows.0.x"),      # the first repeated, in the body's order
    (b'{"a": {"x": 1, "x": 2}, "a": 3}', "body.a"),     # a client's own key ("a": no field of ours) said back once, last
    (b'{"20090314-2388": 1, "20090314-2388": 2}', "body"),             # not said back
    (b'{"rows": [{"Peter Exempel": {"goal": 1, "goal": 2}}]}', "body.rows.0"),
])
def test_a_key_named_twice_is_refused_naming_where(body, field):
    with pytest.raises(RepeatedKey) as refused:
        loads(body)
    assert refused.value.field == field


def test_an_object_of_more_keys_than_any_body_takes_is_refused_as_read():
    """Validated, each unknown key was a problem of its own (600,000 of them: seconds before the 422)."""
    at_most = {f"k{n}": n for n in range(MOST_KEYS)}
    assert loads(json.dumps({"rows": [at_most]}).encode()) == {"rows": [at_most]}
    with pytest.raises(TooManyKeys):
        loads(json.dumps({"rows": [{**at_most, "k": 1}]}).encode())
    # Before it would be read again for a repeated key's place.
    with pytest.raises(TooManyKeys):
        loads(b'{' + b'"text": 1, ' * (MOST_KEYS + 1) + b'"text": 2}')
