"""A supervisor keeps the ledger's signed checkpoints and verifies against them later, through the API and the web
(as `sigill audit export` and `sigill audit verify --checkpoints`): the installation's own checkpoints prove nothing
against whoever can rewrite the ledger and them; a kept file does."""

from __future__ import annotations

import base64
import json
import re

import psycopg

from tests.integration.api.flows import ok, school_consented_case
from tests.integration.api.skew import web_as
from tests.integration.api.test_audit_tamper_findings import superuser

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
