"""Erasure (gallring) of a closed case: `sigill erase` records the decision, then destroys the case's key; `sigill
audit verify` tells the erasures on record and any key destroyed with none."""

from __future__ import annotations

import re
from datetime import date

import pytest

from domain.errors import CaseErased, InvalidInput
from services.bootstrap import build_application, build_erasures
from services.erasure import CaseStillOpen, erase_case
from services.settings import Settings
from tests.builders import SOCIAL
from tests.integration.test_cli import sigill
from tests.service_behaviour import consenting_school, open_case


@pytest.fixture
def erasures(settings, postgres):
    return build_erasures(settings, postgres)


def close(app, case_id) -> None:
    app.close_case(case_id, by=SOCIAL, reason="other", outcome="Arbetet är avslutat.")


def declined(app):
    """A case found not eligible, and not closed: open, as the retention rule counts it (never due)."""
    case_id, _ = open_case(app)
    app.decide_eligibility(case_id, by=SOCIAL, accepted=False, reasons="Inte aktuell.", instruments=(),
                           decided_on=date(2026, 2, 2))
    return case_id


def test_a_closed_case_is_erased_with_its_decision_on_record_and_once(app, erasures):
    case_id = consenting_school(app)
    with pytest.raises(CaseStillOpen, match="culling follows closure"):
        erase_case(app, erasures, case_id, "SN 2026/45", "cli:uid0@host")
    assert erasures.of(case_id) is None and app.get_case(case_id).id == case_id   # nothing done
    close(app, case_id)
    number = app.get_case(case_id).case_number
    done = erase_case(app, erasures, case_id, "SN 2026/45", "cli:uid0@host")
    assert (done.case_number, done.already) == (number, False)
    with pytest.raises(CaseErased):
        app.get_case(case_id)
    record = erasures.of(case_id)
    assert (record["decision"], record["erased_by"], record["municipality"]) == ("SN 2026/45", "cli:uid0@host", "0180")
    again = erase_case(app, erasures, case_id, "SN 2026/99", "cli:uid1@other", even_if_open=True)
    assert again.already and erasures.of(case_id)["decision"] == "SN 2026/45"   # the first record stands
    assert erasures.destroyed_unrecorded() == []


def test_a_declined_case_is_erased_only_once_closed_as_not_eligible(app, erasures):
    """The retention rule counts a declined case as open until it is closed (`not_eligible`): so does erasure —
    until 2026-12-05 it erased a declined case the due list would never name."""
    case_id = declined(app)
    with pytest.raises(CaseStillOpen) as refused:
        erase_case(app, erasures, case_id, "SN 2026/45", "cli:uid0@host")
    said = str(refused.value)
    assert "not closed" in said and "close the case first, with the reason not_eligible" in said, said
    assert "--even-if-open" in said and "\n" not in said, said
    assert erasures.of(case_id) is None and app.get_case(case_id).id == case_id   # nothing done
    app.close_case(case_id, by=SOCIAL, reason="not_eligible", outcome="Inte aktuell för en insatsgrupp.")
    done = erase_case(app, erasures, case_id, "SN 2026/45", "cli:uid0@host")
    assert not done.already and erasures.of(case_id)["decision"] == "SN 2026/45"
    with pytest.raises(CaseErased):
        app.get_case(case_id)


@pytest.mark.parametrize("decision, said", [
    ("", "1–200 characters"), ("x" * 201, "1–200 characters"), ("SN\n2026", "no control character"),
    ("Gallring 20090314-2388", "looks like a personnummer"), ("Gallring 200903142388", "looks like a personnummer"),
    ("Gallring 090314-2388", "looks like a personnummer")])
def test_a_decision_that_is_no_reference_is_refused_before_anything_is_done(app, erasures, decision, said):
    case_id = consenting_school(app)
    close(app, case_id)
    with pytest.raises(InvalidInput, match=said):
        erase_case(app, erasures, case_id, decision, "cli:uid0@host")
    assert erasures.of(case_id) is None and app.get_case(case_id).id == case_id


@pytest.mark.parametrize("decision", [
    "Gallring Peter SN 2026/45", "SN 2026/45 exempel", "SN 2026/45 (Marias begäran) Maria", "SN 2026/45, johan",
    "Gallring 090314 – 2388", "Gallring 0903 14 23 88"])
def test_a_decision_naming_whom_the_case_concerns_is_refused_and_not_repeated(app, erasures, decision):
    """The plain-text record outlives the case: the young person's or a guardian's name, or the personnummer in any
    spelling the shape check misses, is refused by the case itself — and the refusal repeats none of it."""
    case_id = consenting_school(app)
    close(app, case_id)
    with pytest.raises(InvalidInput, match="names whom the case concerns") as refused:
        erase_case(app, erasures, case_id, decision, "cli:uid0@host")
    assert not any(w in str(refused.value) for w in ("Peter", "Exempel", "Maria", "Johan", "2388"))
    assert erasures.of(case_id) is None and app.get_case(case_id).id == case_id


@pytest.mark.parametrize("decision", ["Gallring 100101\u20131234", "Gallring 20100101\u22121234",
                                      "Gallring 100101\u00a01234"])
def test_a_personnummer_with_a_typographic_dash_is_refused_by_its_shape(app, erasures, decision):
    """Anyone's (not this case's): a word processor's en dash, minus sign or no-break space is still a separator."""
    case_id = consenting_school(app)
    close(app, case_id)
    with pytest.raises(InvalidInput, match="looks like a personnummer"):
        erase_case(app, erasures, case_id, decision, "cli:uid0@host")


def test_a_key_destroyed_with_no_decision_is_not_papered_over(app, erasures):
    case_id = consenting_school(app)
    app.keystore.destroy(case_id)   # not through `sigill erase`: nothing decided it
    assert [c for c, _ in erasures.destroyed_unrecorded()] == [case_id]
    with pytest.raises(CaseErased, match="no erasure decision on record"):
        erase_case(app, erasures, case_id, "SN 2026/45", "cli:uid0@host")
    assert erasures.of(case_id) is None


def test_the_command_erases_a_closed_case_and_verify_tells_the_erasures(tmp_path):
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    open_case = sigill("erase", "--case", "0180-2026-0001", "--decision", "SN 2026/45", env=env)
    assert open_case.returncode == 1 and open_case.stderr.count("\n") == 1
    assert "culling follows closure" in open_case.stderr
    refused = sigill("erase", "--case", "0180-2026-0001", "--decision", "Peter 20090314-2388", env=env)
    assert refused.returncode == 2 and "looks like a personnummer" in refused.stderr and "2388" not in refused.stderr
    app = build_application(Settings(data_dir=tmp_path))
    try:
        case_id = app.find_case("0180-2026-0001")
        close(app, case_id)
        other = consenting_school(app)
        not_eligible = declined(app)
    finally:
        app.close()
    still_open = sigill("erase", "--case", str(not_eligible), "--decision", "SN 2026/46", env=env)
    assert still_open.returncode == 1 and still_open.stderr.count("\n") == 1, still_open.stderr
    assert "not closed" in still_open.stderr and "the reason not_eligible" in still_open.stderr, still_open.stderr
    done = sigill("erase", "--case", "0180-2026-0001", "--decision", "SN 2026/45", env=env)
    assert done.returncode == 0 and "Ärende 0180-2026-0001 gallrat" in done.stdout, done.stderr
    again = sigill("erase", "--case", str(case_id), "--decision", "SN 2026/45", env=env)
    assert again.returncode == 0 and "var redan gallrat" in again.stdout, again.stderr
    # An auditor asking for it: when and under which decision, and where what the agencies were told still is.
    for command in (("replay", "--agency", "polis", "--as-of", "2026-03-01"), ("report", "--out", "-"),
                    ("disclosures",)):
        refused = sigill("audit", command[0], "--case", str(case_id), *command[1:], env=env)
        assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
        assert re.search(r"was erased 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d CES?T under the decision SN 2026/45",
                         refused.stderr) and f"sigill views log --case {case_id}" in refused.stderr, refused.stderr
    kept = sigill("views", "log", "--case", str(case_id), env=env)   # refused as erased until 2026-12-04
    assert kept.returncode == 0 and "Ärendet är gallrat" in kept.stdout and "lämnades ut" in kept.stdout, kept.stderr
    verified = sigill("audit", "verify", env=env)
    assert verified.returncode == 0 and "Gallrade ärenden med registrerat beslut: 1." in verified.stdout
    assert "utan registrerat gallringsbeslut" not in verified.stdout
    app = build_application(Settings(data_dir=tmp_path))
    try:
        app.keystore.destroy(other)   # a key destroyed behind the command's back
    finally:
        app.close()
    told = sigill("audit", "verify", env=env)
    assert told.returncode == 0, told.stdout   # keys are no events: the ledger is unchanged, and says so
    assert re.search(rf"Obs: 1 ärendes nyckel är förstörd utan registrerat gallringsbeslut .*: {other} \(20",
                     told.stdout), told.stdout


def test_after_a_restore_a_case_closed_since_the_backup_is_erased_again_though_open(app, erasures):
    """Restored from a backup older than its closure, the case is open again: its erasure is made again before
    anything starts, with no new command first (deploy/README.md, section 7)."""
    case_id = consenting_school(app)
    with pytest.raises(CaseStillOpen, match="--even-if-open"):
        erase_case(app, erasures, case_id, "SN 2026/45", "cli:uid0@host")
    done = erase_case(app, erasures, case_id, "SN 2026/45", "cli:uid0@host", even_if_open=True)
    assert not done.already and erasures.of(case_id)["decision"] == "SN 2026/45"
    with pytest.raises(CaseErased):
        app.get_case(case_id)


def test_a_decision_recorded_whose_key_still_stands_is_told_and_erasing_again_completes_it(app, erasures, settings,
                                                                                           postgres):
    """A crash between the record and the key's destruction: verify must not count the case as erased."""
    from services.bootstrap.audit import build_ledger, verifier_reads

    build_ledger(app, settings, postgres)   # the installation's ledger, without which verify reads nothing

    def as_verify_reads() -> tuple[int, list, list]:   # in its snapshot, as `sigill audit verify` does
        with verifier_reads(settings, postgres) as (_, reads):
            return reads.erasures()

    case_id = consenting_school(app)
    close(app, case_id)
    erasures.record(case_id, "0180", "SN 2026/45", "cli:uid0@host")   # and then the process died
    assert as_verify_reads() == (0, [case_id], [])
    assert erase_case(app, erasures, case_id, "SN 2026/45", "cli:uid0@host").already is False
    assert as_verify_reads() == (1, [], [])
