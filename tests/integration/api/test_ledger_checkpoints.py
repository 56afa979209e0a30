"""A supervisor keeps the ledger's signed checkpoints and verifies against them later, through the API and the web
(as `sigill audit export` and `sigill audit verify --checkpoints`): the installation's own checkpoints prove nothing
against whoever can rewrite the ledger and them; a kept file does."""

from __future__ import annotations

import base64
import json
import re
import time

import psycopg

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_audit_tamper_findings import superuser
from tests.integration.test_tamper_red_team_2026_12_06 import rechain

VERIFICATION = "/api/v1/audit/ledger/verification"
CHECKPOINTS = "/api/v1/audit/ledger/checkpoints"


def _sealed_twice(client, users, tick, context) -> None:
    """A case, sealed; then the police joining it, sealed in a batch (and checkpoint) of its own."""
    case_id, _ = school_consented_case(client, users, tick, members=("skola",))
    context.seal_ledger()
    tick()
    ok(client.post(f"/api/v1/cases/{case_id}/members", json={"agency": "polis", "contact_person": "Kontakt",
                                                            "role": "kontaktperson"}, headers=users.social), 201)
    context.seal_ledger()


def _cut_the_tail(postgres) -> int:
    """An insider removes the last event with its ledger entry and checkpoint: the installation's own checkpoints
    still agree with what is left."""
    with psycopg.connect(postgres.conninfo()) as conn:
        nid = conn.execute("SELECT max(notification_id) FROM sigill_events").fetchone()[0]
    superuser(postgres, "DELETE FROM sigill_events WHERE notification_id = %(n)s",
              "DELETE FROM sigill_ledger WHERE notification_id = %(n)s",
              "DELETE FROM sigill_ledger_checkpoints WHERE notification_id >= %(n)s", params={"n": nid})
    return nid


def test_checkpoints_kept_through_the_api_find_what_the_installations_own_do_not(client, users, tick, context,
                                                                                   postgres):
    _sealed_twice(client, users, tick, context)
    exported = client.get(CHECKPOINTS, headers=users.auditor)
    assert exported.status_code == 200
    assert exported.headers["content-disposition"].startswith('attachment; filename="sigill-kontrollpunkter-')
    kept = exported.json()
    assert kept == json.loads(context.export_checkpoints())   # as `sigill audit export` writes them
    assert kept["format"] == "sigill-ledger-checkpoints/1" and kept["checkpoints"]

    confirmed = ok(client.post(VERIFICATION, json=kept, headers=users.auditor))
    assert confirmed["intact"] and confirmed["checkpoints"] >= len(kept["checkpoints"])

    nid = _cut_the_tail(postgres)
    assert ok(client.get(VERIFICATION, headers=users.auditor))["intact"]   # the own checkpoints see nothing
    found = ok(client.post(VERIFICATION, json=kept, headers=users.auditor))
    assert not found["intact"]
    assert found["divergence"].startswith(f"checkpoint at notification {nid}")
    assert "the exported checkpoint (from the file) names an event the ledger no longer reaches" in found["divergence"]


def test_a_file_altered_in_the_ledger_reports_where(client, users, tick, context, postgres):
    """A stored event altered by a superuser after the file was kept: the verification names it."""
    school_consented_case(client, users, tick)
    context.seal_ledger()
    kept = client.get(CHECKPOINTS, headers=users.auditor).json()
    with psycopg.connect(postgres.conninfo()) as conn:
        nid = conn.execute("SELECT min(notification_id) FROM sigill_events").fetchone()[0]
    superuser(postgres, "UPDATE sigill_events SET state = state || '\\x00'::bytea WHERE notification_id = %s",
              params=(nid,))
    found = ok(client.post(VERIFICATION, json=kept, headers=users.auditor))
    assert not found["intact"] and found["divergence"].startswith(f"altered at notification {nid}")


def test_a_malformed_file_is_422_naming_the_field(client, users, tick, context):
    school_consented_case(client, users, tick)
    context.seal_ledger()
    kept = client.get(CHECKPOINTS, headers=users.auditor).json()
    for body, field in (({"format": "x", "checkpoints": []}, "body.format"),
                        ({"format": kept["format"]}, "body.checkpoints"),
                        ({**kept, "checkpoints": [{**kept["checkpoints"][0], "signature": "!!!"}]},
                         "body.checkpoints.0.signature"),
                        ({**kept, "checkpoints": [{**kept["checkpoints"][0], "link": "00"}]},
                         "body.checkpoints.0.link"),
                        ({**kept, "checkpoints": [{"link": "00"}]}, "body.checkpoints.0.notification_id"),
                        # Beyond what 8 bytes of the signed message hold: a 500, "int too big to convert".
                        ({**kept, "checkpoints": [{**kept["checkpoints"][0], "notification_id": 2**64}]},
                         "body.checkpoints.0.notification_id"),
                        ([1], "body")):
        refused = client.post(VERIFICATION, json=body, headers=users.auditor)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["error"]["field"] == field, refused.json()
    # A checkpoint signed by a key not trusted here: not verified, not a changed ledger.
    forged = {**kept, "checkpoints": [{**kept["checkpoints"][0], "notification_id": 10**6,
                                       "public_key": base64.b64encode(bytes(32)).decode()}]}
    refused = client.post(VERIFICATION, json=forged, headers=users.auditor)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "body.checkpoints.0.public_key"
    refused = client.post(VERIFICATION, json=kept, params={"trust_key": "AAAA"}, headers=users.auditor)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "query.trust_key.0"


def test_a_trusted_key_given_verifies_a_file_signed_by_it(client, users, tick, context):
    school_consented_case(client, users, tick)
    context.seal_ledger()
    kept = client.get(CHECKPOINTS, headers=users.auditor).json()
    key = kept["checkpoints"][0]["public_key"]
    answer = ok(client.post(VERIFICATION, json=kept, params={"trust_key": key}, headers=users.auditor))
    assert answer["intact"]


def test_members_may_neither_export_nor_verify(client, users, tick, context):
    school_consented_case(client, users, tick)
    context.seal_ledger()
    kept = json.loads(context.export_checkpoints())
    assert client.get(CHECKPOINTS, headers=users.school).status_code == 403
    assert client.post(VERIFICATION, json=kept, headers=users.school).status_code == 403


def _csrf(web) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', web.get("/granskning/liggaren").text).group(1)


def test_the_web_downloads_the_checkpoints_and_verifies_against_an_uploaded_file(client, users, tick, context,
                                                                                  postgres, settings):
    _sealed_twice(client, users, tick, context)
    web = web_as(context, settings, "ivo")
    page = web.get("/granskning/liggaren").text
    assert 'href="/granskning/liggaren/kontrollpunkter"' in page and "Ladda ned kontrollpunkter" in page
    assert 'enctype="multipart/form-data"' in page
    download = web.get("/granskning/liggaren/kontrollpunkter")
    assert download.status_code == 200 and download.headers["content-disposition"].startswith("attachment")
    kept = download.content
    assert json.loads(kept) == json.loads(context.export_checkpoints())

    count = len(json.loads(kept)["checkpoints"])
    confirmed = web.post("/granskning/liggaren", data={"csrf": _csrf(web)},
                         files={"fil": ("kontrollpunkter.json", kept, "application/json")})
    assert confirmed.status_code == 200
    assert f"Alla {count} kontrollpunkter i filen stämmer med liggaren." in confirmed.text

    nid = _cut_the_tail(postgres)
    found = web.post("/granskning/liggaren", data={"csrf": _csrf(web)},
                     files={"fil": ("kontrollpunkter.json", kept, "application/json")})
    assert found.status_code == 200
    assert "Liggaren stämmer inte med den sparade filen." in found.text
    assert f"ÄNDRAD vid position {nid} i händelseloggen: den exporterade kontrollpunkten (ur filen)" in found.text

    broken = web.post("/granskning/liggaren", data={"csrf": _csrf(web)},
                      files={"fil": ("x.json", b"{not json", "application/json")})
    assert broken.status_code == 422
    assert "Filen är inte en fil med kontrollpunkter som Sigill har exporterat." in broken.text
    none = web.post("/granskning/liggaren", data={"csrf": _csrf(web)})
    assert none.status_code == 422 and "Välj en fil med kontrollpunkter." in none.text
    forged = web.post("/granskning/liggaren", data={"csrf": "fel"},
                      files={"fil": ("kontrollpunkter.json", kept, "application/json")})
    assert forged.status_code == 403


def test_the_web_refuses_members_the_download_and_the_form(context, settings):
    web = web_as(context, settings, "skola")
    assert web.get("/granskning/liggaren/kontrollpunkter").status_code == 403
    assert web.post("/granskning/liggaren", data={"csrf": "x"},
                    files={"fil": ("k.json", b"{}", "application/json")}).status_code == 403


# The access log's last signed checkpoint kept in the same file (as `sigill audit export` keeps it since 2026-12-06):
# the red team's rewrite — the log written again from a read on, renumbered and chained again (no key needed), and
# its checkpoints from there deleted — reads intact to the installation's own checkpoints, not to the file's.

GONE = ("entries up to {seq} were signed for in the exported file but are gone: the log was cut short, or rewritten,"
        " since the file was written")
REWRITTEN = ("the exported checkpoint (from the file) at entry {seq} does not match the log: it was rewritten since"
             " the file was written")


def _read_four_times(client, users, tick, postgres) -> int:
    """A case read four times by the school; the access log's last number, once its checkpoint is stored (the
    writer stores a batch's owed checkpoint on its own when no read follows)."""
    case_id, _ = school_consented_case(client, users, tick)
    for _ in range(4):
        ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
    return _last_read_signed(postgres)


def _last_read_signed(postgres) -> int:
    for _ in range(200):
        with psycopg.connect(postgres.conninfo()) as conn:
            last, signed = conn.execute("SELECT (SELECT max(seq) FROM sigill_access_log),"
                                        " (SELECT max(seq) FROM sigill_access_log_checkpoints)").fetchone()
        if last == signed:
            return last
        time.sleep(0.05)
    raise AssertionError(f"the access log's read {last} was never signed for (last checkpoint {signed})")


def test_the_api_export_keeps_the_access_logs_last_checkpoint_and_verification_holds_the_log_to_it(
        client, users, tick, context, postgres):
    last = _read_four_times(client, users, tick, postgres)
    kept = ok(client.get(CHECKPOINTS, headers=users.auditor))
    assert [c["seq"] for c in kept["access_log"]] == [last]   # the last one: its link commits to every read
    assert kept == json.loads(context.export_checkpoints())   # one function writes the file, as the CLI's export
    confirmed = ok(client.post(VERIFICATION, json=kept, headers=users.auditor))
    assert confirmed["access_log_intact"] and confirmed["access_log_exported"] == 1
    older = {k: v for k, v in kept.items() if k != "access_log"}   # a file exported before 2026-12-06 still reads
    assert ok(client.post(VERIFICATION, json=older, headers=users.auditor))["access_log_exported"] == 0

    rechain(postgres, drop=2)   # read 2 removed, the log chained again after it
    alone = ok(client.get(VERIFICATION, headers=users.auditor))
    assert alone["access_log_intact"]   # the installation's own checkpoints cannot tell (inherent)
    found = ok(client.post(VERIFICATION, json=kept, headers=users.auditor))
    assert not found["access_log_intact"] and found["intact"]   # the ledger of events is untouched
    assert found["access_log_divergence"] == GONE.format(seq=last)   # as `sigill audit verify --checkpoints`
    schemas = ok(client.get("/api/v1/openapi.json"))["components"]["schemas"]
    assert "access_log" in schemas["CheckpointFile"]["properties"]
    assert "access_log_exported" in schemas["LedgerCheck"]["properties"]


def test_a_read_altered_and_chained_again_is_found_by_the_api_against_the_file(client, users, tick, postgres):
    last = _read_four_times(client, users, tick, postgres)
    kept = ok(client.get(CHECKPOINTS, headers=users.auditor))
    rechain(postgres, what=(2, "case"))
    found = ok(client.post(VERIFICATION, json=kept, headers=users.auditor))
    assert not found["access_log_intact"] and found["access_log_divergence"] == REWRITTEN.format(seq=last)
    assert found["access_log_checked"] == 0   # chained again consistently: no read can be said to be as written


def test_a_bad_access_log_part_of_the_file_is_422_naming_the_field(client, users, tick, postgres):
    _read_four_times(client, users, tick, postgres)
    kept = ok(client.get(CHECKPOINTS, headers=users.auditor))
    (checkpoint,) = kept["access_log"]
    for part, field in (([{**checkpoint, "seq": checkpoint["seq"] - 1}], "body.access_log.0.signature"),
                        ([{**checkpoint, "public_key": base64.b64encode(bytes(32)).decode()}],
                         "body.access_log.0.public_key"),
                        ([{**checkpoint, "link": "00"}], "body.access_log.0.link"),
                        ([{**checkpoint, "seq": 0}], "body.access_log.0.seq"),
                        ([{**checkpoint, "seq": 10**30}], "body.access_log.0.seq"),
                        ([{"link": "00"}], "body.access_log.0.seq"),
                        ([1], "body.access_log.0"),
                        ({"seq": 1}, "body.access_log")):
        refused = client.post(VERIFICATION, json={**kept, "access_log": part}, headers=users.auditor)
        assert refused.status_code == 422, (part, refused.text)
        assert refused.json()["error"]["field"] == field, refused.json()


def test_the_web_downloads_the_access_logs_checkpoint_and_holds_the_log_to_an_uploaded_file(
        client, users, tick, context, postgres, settings):
    last = _read_four_times(client, users, tick, postgres)
    web = web_as(context, settings, "ivo")
    kept = web.get("/granskning/liggaren/kontrollpunkter").content
    assert [c["seq"] for c in json.loads(kept)["access_log"]] == [last]

    def upload(content: bytes):
        return web.post("/granskning/liggaren", data={"csrf": _csrf(web)},
                        files={"fil": ("kontrollpunkter.json", content, "application/json")})

    confirmed = upload(kept)
    assert confirmed.status_code == 200
    assert "Åtkomstloggen är intakt." in confirmed.text
    assert "Åtkomstloggens kontrollpunkt i filen stämmer med loggen." in confirmed.text

    document = json.loads(kept)
    document["access_log"][0]["seq"] = last - 1   # moved: its signature is of another read's
    forged = upload(json.dumps(document).encode())
    assert forged.status_code == 422
    assert ("Åtkomstloggens kontrollpunkt 1 i filen har en signatur som inte stämmer: filen är inte som Sigill"
            " exporterade den.") in forged.text

    rechain(postgres, drop=2)
    assert "Åtkomstloggen är intakt." in web.get("/granskning/liggaren").text   # the own checkpoints see nothing
    found = upload(kept)
    assert found.status_code == 200
    assert "Åtkomstloggen har ändrats!" in found.text
    assert (f"läsningar till och med {last} signerades enligt den exporterade filen men finns inte längre: loggen har"
            " kortats eller skrivits om sedan filen skrevs.") in found.text


# A checkpoint signed by a key not trusted here tells how to give the installation's keys in the words of whoever
# verifies: the API's user passes the query parameter trust_key, the web's fills in Betrodda publika nycklar; the
# command line's --trust-key (and its own words: tests/integration/test_cli_audit.py) is neither's.

def test_the_apis_refusal_of_a_file_signed_by_an_untrusted_key_names_trust_key(client, users, tick, context):
    school_consented_case(client, users, tick)
    context.seal_ledger()
    kept = client.get(CHECKPOINTS, headers=users.auditor).json()
    forged = {**kept, "checkpoints": [{**kept["checkpoints"][0], "public_key": base64.b64encode(bytes(32)).decode()}]}
    refused = client.post(VERIFICATION, json=forged, headers=users.auditor)
    assert refused.status_code == 422
    message = refused.json()["error"]["message"]
    assert "query parameter trust_key" in message and "--trust-key" not in message, message


def _stored_checkpoint_signed_by_another_key(postgres) -> int:
    """The installation's own last checkpoint, its key swapped for one trusted nowhere (as one signed before a
    change of ledger key the operator did not list in SIGILL_LEDGER_TRUSTED_KEYS)."""
    with psycopg.connect(postgres.conninfo()) as conn:
        nid = conn.execute("SELECT max(notification_id) FROM sigill_ledger_checkpoints").fetchone()[0]
    superuser(postgres, "UPDATE sigill_ledger_checkpoints SET public_key = %(key)s WHERE notification_id = %(n)s",
              params={"key": bytes(range(32)), "n": nid})
    return nid


def test_an_untrusted_stored_checkpoint_is_told_to_the_api_and_the_web_in_their_words(client, users, tick, context,
                                                                                        postgres, settings):
    school_consented_case(client, users, tick)
    context.seal_ledger()
    nid = _stored_checkpoint_signed_by_another_key(postgres)
    found = ok(client.get(VERIFICATION, headers=users.auditor))
    assert not found["intact"] and found["divergence"].startswith(f"checkpoint at notification {nid}")
    assert "signed by a key not trusted here (give the installation's keys in the query parameter trust_key" \
        in found["divergence"] and "--trust-key" not in found["divergence"], found["divergence"]

    page = web_as(context, settings, "ivo").get("/granskning/liggaren").text
    assert "inte är betrodd här (ange installationens publika nycklar under Betrodda publika nycklar" in page
    assert "--trust-key" not in page and "trust_key" not in page


def _last_read(postgres) -> int:
    with psycopg.connect(postgres.conninfo()) as conn:
        return conn.execute("SELECT max(seq) FROM sigill_access_log").fetchone()[0]


def test_an_export_made_at_once_after_a_read_holds_a_checkpoint_covering_it(client, users, tick, context, postgres,
                                                                             settings):
    """The writer signs a batch's checkpoint as it writes it but may store it only once idle (or with the next
    batch): the file of an export made at once after a read — the API's, the web's, `sigill audit export`'s (one
    function writes it) — must not stop one batch short, leaving that read to be rewritten unseen."""
    case_id, _ = school_consented_case(client, users, tick)
    web = web_as(context, settings, "ivo")
    for export in (lambda: ok(client.get(CHECKPOINTS, headers=users.auditor)),
                   lambda: json.loads(web.get("/granskning/liggaren/kontrollpunkter").content),
                   lambda: json.loads(context.export_checkpoints())) * 5:
        ok(client.get(f"/api/v1/cases/{case_id}", headers=users.school))
        kept = export()
        assert [c["seq"] for c in kept["access_log"]] == [_last_read(postgres)]
