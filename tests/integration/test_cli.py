"""The `sigill` command as a user runs it: the demo on an embedded PostgreSQL, and readable failures."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest


def sigill(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "services.cli", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **env})


def demo_data(directory) -> dict[str, str]:
    """The environment of a data directory the demo has filled."""
    environment = {"SIGILL_DATA_DIR": str(directory)}
    assert sigill("demo", env=environment).returncode == 0
    return environment


def steps(output: str) -> dict[str, dict[str, tuple[int, list[str]]]]:
    """step title -> agency -> (how many facts it sees, the + and − lines printed for it)."""
    parsed: dict[str, dict[str, tuple[int, list[str]]]] = {}
    for block in output.split("\n== ")[1:]:
        title, *lines = block.splitlines()
        agencies: dict[str, tuple[int, list[str]]] = {}
        current = None
        for line in lines:
            head = re.match(r"^  (\S.*) – ser (\d+) uppgift(?:er)?$", line)
            if head:
                current = head.group(1)
                agencies[current] = (int(head.group(2)), [])
            elif current and line.startswith("    "):
                agencies[current][1].append(line.strip())
        parsed[title.split("  ", 1)[1]] = agencies
    return parsed


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    result = sigill("demo", env={"SIGILL_DATA_DIR": str(tmp_path_factory.mktemp("sigill"))})
    assert result.returncode == 0, result.stderr
    return steps(result.stdout)


POLICE, SCHOOL, SOCIAL, BUP = "Polisen", "Skolan", "Socialtjänsten", "Barn- och ungdomspsykiatrin (BUP)"


def step(demo: dict, prefix: str) -> dict:
    return next(v for k, v in demo.items() if k.startswith(prefix))


def test_the_demo_plays_every_step_of_the_example(demo):
    assert len(demo) == 10


def test_social_services_plans_the_first_network_meeting_and_every_agency_seeing_the_case_is_told(demo):
    """The meeting planned on its own (meeting.scheduled, category `case`): planned the day the group forms, for the
    day the network meeting is held; each member sees it by the family's consents, and loses it with the mother's."""
    planned = step(demo, "Socialtjänsten planerar gruppens första nätverksmöte till 2026-03-05")
    told = "+ Nästa möte planerat 2026-03-05 (nätverksmöte)  ["
    assert planned[SOCIAL][1] == [told + "egen uppgift (myndigheten är ursprung)]"]
    for member in (POLICE, SCHOOL, BUP):
        (line,) = planned[member][1]
        assert line.startswith(told + "samtycke från den unge och vårdnadshavare 1 och 2, t.o.m. 2027-02-11 ("), line
    assert planned[POLICE][0] == step(demo, "Gruppen bildas")[POLICE][0] + 1
    for member in (POLICE, SCHOOL, BUP):
        ended = step(demo, "Mamma återkallar")[member][1]
        assert sum(line.startswith("− Nästa möte planerat 2026-03-05 (nätverksmöte)  [upphörde: ")
                   for line in ended) == 1, ended


def test_before_consent_the_police_sees_nothing_not_even_the_referral_in_its_name(demo):
    # Social services records the referral: in the police's name, but not the police's own record (rules 4).
    assert step(demo, "Polisens LUL 6")[POLICE][0] == 0
    assert step(demo, "Polisens LUL 6")[SCHOOL][0] == 0


def test_the_school_learns_that_bup_is_in_the_group_but_the_police_does_not(demo):
    group = step(demo, "Gruppen bildas")
    assert any("BUP" in line for line in group[SCHOOL][1])
    assert not any("BUP" in line for line in group[POLICE][1])


def test_the_police_sees_the_school_row_of_the_plan_but_not_the_health_row(demo):
    plan = step(demo, "Åtgärdsplan")
    assert any("Planrad Skola" in line for line in plan[POLICE][1])
    assert not any("Planrad Hälsa" in line for line in plan[POLICE][1])
    assert any("Planrad Hälsa" in line for line in plan[SCHOOL][1])
    # Who drew it up travels with the goal (`case`): the school, which sees it, reads it; ids are not names.
    assert any("i samråd med den unge: ja; vårdnadshavare som deltog: 1" in line for line in plan[SCHOOL][1])


def test_a_lul6_suspicion_reaches_social_services_by_law(demo):
    lines = step(demo, "Skolan rapporterar")[SOCIAL][1]
    assert any("snatteri" in line and "LUL 6 §" in line for line in lines)
    assert not any("Närvaro" in line for line in lines)  # the school's contribution needs consent


def test_a_guardians_withdrawal_leaves_the_school_only_its_own(demo):
    count, lines = step(demo, "Mamma återkallar")[SCHOOL]
    assert count == 1   # its own contribution (the meeting's outcome in its name was social services' record)
    assert any(line.startswith("−") and "Hälsa" in line for line in lines)


def test_the_demo_says_whose_consent_lets_each_agency_see_and_until_when(demo):
    """As every command does (services/basis_text.py): by who consented, the guardians by role, ids beside."""
    shown = step(demo, "Gruppen bildas")[POLICE][1]
    assert shown and all(re.search(r"\[samtycke från den unge och vårdnadshavare 1 och 2, t\.o\.m\. 2027-02-11"
                                   r" \((\w{8}, ){2}\w{8}\)\]$", line) for line in shown), shown
    ended = [line for line in step(demo, "Mamma återkallar")[POLICE][1] if line.startswith("−")]
    assert ended and all("[upphörde: samtycke från den unge och vårdnadshavare 1 och 2" in line for line in ended)


def test_the_demo_never_prints_a_personnummer_in_full(demo):
    text = repr(demo)
    assert "20090314-2396" not in text and "200903142396" not in text and "20090314-****" in text


def test_a_bad_configuration_is_one_readable_line_and_a_non_zero_exit(tmp_path):
    result = sigill("calendar", env={"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_ENVIRONMENT": "production"})
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "SIGILL_DATABASE_URL" in result.stderr


@pytest.mark.parametrize("variables,message", [
    ({"SIGILL_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/sigill"}, "cannot reach the database"),
    ({"SIGILL_DATABASE_URL": "not-a-url"}, "SIGILL_DATABASE_URL: a PostgreSQL URL starts with postgresql://"),
    ({"SIGILL_ENVIRONMENT": "prod"}, "SIGILL_ENVIRONMENT: Input should be"),
    ({"SIGILL_KAFKA_SECURITY_PROTOCOL": "BOGUS"}, "SIGILL_KAFKA_SECURITY_PROTOCOL: Input should be"),
])
def test_an_unreachable_database_or_a_bad_setting_is_one_line_naming_it(tmp_path, variables, message):
    result = sigill("audit", "verify", env={"SIGILL_DATA_DIR": str(tmp_path), **variables})
    assert result.returncode == 3 and message in result.stderr, result.stderr   # verify's "could not verify"
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("jwks,message", [("missing.json", "cannot read the JWKS file"),
                                           ("not-a-key-set.json", "Invalid JWK Set value")])
def test_a_jwks_file_that_cannot_be_used_stops_serve_in_one_line_naming_it(tmp_path, jwks, message):
    (tmp_path / "not-a-key-set.json").write_text('{"keys": 5}')
    result = sigill("serve", "--port", "1", env={"SIGILL_DATA_DIR": str(tmp_path / "data"),
                                                 "SIGILL_OIDC_ISSUER": "https://idp.example",
                                                 "SIGILL_OIDC_JWKS": str(tmp_path / jwks)})
    assert result.returncode == 78 and "Traceback" not in result.stderr, result.stderr   # EX_CONFIG: not restarted
    assert result.stderr.strip().splitlines() == [f"sigill: SIGILL_OIDC_JWKS: {message}" +
                                                  (f" {tmp_path / jwks}: FileNotFoundError" if "read" in message
                                                   else "")]


@pytest.mark.parametrize("hours", ["nan", "inf", "-5", "0", "200", "åtta"])
def test_a_development_token_lasts_a_sensible_number_of_hours(tmp_path, hours):
    result = sigill("dev-token", "--agency", "skola", "--role", "member", "--hours", hours,
                    env={"SIGILL_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2 and "--hours" in result.stderr and "Traceback" not in result.stderr


def test_a_development_token_names_the_municipality_its_user_works_in(tmp_path):
    import base64
    import json

    def claims(*args: str) -> dict:
        result = sigill("dev-token", *args, env={"SIGILL_DATA_DIR": str(tmp_path)})
        assert result.returncode == 0, result.stderr
        payload = result.stdout.strip().split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

    assert claims("--agency", "skola", "--role", "member")["municipality"] == "0180"   # the demo case's
    assert claims("--agency", "skola", "--role", "member", "--municipality", "1280")["municipality"] == "1280"
    assert "municipality" not in claims("--agency", "ivo", "--role", "auditor")
    system = claims("--agency", "socialtjanst", "--role", "feed_reader")   # an integrating system reads one feed
    assert (system["roles"], system["municipality"], system["sub"]) == (["feed_reader"], "0180",
                                                                        "socialtjanst.feed_reader")
    # A national evaluator's body is no catalogue agency, as an auditor's is not; it works in no municipality.
    evaluator = claims("--agency", "socialstyrelsen", "--role", "evaluator")
    assert (evaluator["roles"], evaluator["agency"], "municipality" in evaluator) == (["evaluator"],
                                                                                      "socialstyrelsen", False)
    unknown = sigill("dev-token", "--agency", "skola", "--role", "member", "--municipality", "9999",
                     env={"SIGILL_DATA_DIR": str(tmp_path)})
    assert unknown.returncode == 2 and unknown.stderr.startswith("sigill: unknown municipality '9999' (the codes: ")


def test_a_malformed_master_key_is_one_readable_line(tmp_path):
    result = sigill("demo", env={"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_MASTER_KEY": "not-base64!"})
    assert result.returncode == 1 and "SIGILL_MASTER_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_another_master_key_than_the_data_was_made_with_is_one_readable_line(tmp_path):
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    other = {**env, "SIGILL_MASTER_KEY": sigill("new-master-key", env=env).stdout.strip()}
    for command in (("views", "show", "--agency", "skola", "--case", "0180-2026-0001"),
                    ("audit", "disclosures", "--case", "0180-2026-0001")):
        result = sigill(*command, env=other)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.strip().splitlines() == [
            "sigill: the configured master key cannot unwrap the stored data keys; check SIGILL_MASTER_KEY (a new one"
            " is taken into use by `sigill database rotate-master-key`, with the old one as SIGILL_PREVIOUS_MASTER_KEY)"]


def test_development_key_files_other_users_may_open_are_refused_by_serve_and_every_command(tmp_path):
    """master.key was read whatever its mode: one copied with `cp` (0644 under the usual umask) or chmod'ed wider
    gave every local user the key that unwraps every case's data key, and nothing said so.  Refused as ssh refuses
    such a private key, with the chmod to run; the ledger's and the sign-in tokens' keys alike.  Another user's key
    file (root's aside) is refused too, naming its owner and the chown to run."""
    env = {"SIGILL_DATA_DIR": str(tmp_path)}
    assert sigill("demo", env=env).returncode == 0
    for name, command in (("master.key", ("serve", "--port", "9")), ("master.key", ("views", "cases", "--agency",
                                                                                     "skola")),
                          ("ledger.key", ("audit", "seal")),
                          ("dev-token-key.pem", ("dev-token", "--agency", "skola", "--role", "member"))):
        key_file = tmp_path / name
        key_file.chmod(0o640)
        refused = sigill(*command, env=env)
        refused_exit = 78 if command[0] == "serve" else 1   # a long-running command's configuration: EX_CONFIG
        assert refused.returncode == refused_exit and refused.stderr.strip().splitlines()[-1] == (
            f"sigill: {key_file} holds a private key and other users may open it (mode 0640): run"
            f" `chmod 600 {key_file}`"), (command, refused.stderr)
        key_file.chmod(0o600)
        if command[0] != "serve":
            assert sigill(*command, env=env).returncode == 0, command   # as it says
    if os.geteuid() == 0:   # only root gives a file away (tests/unit/services/test_key_files_at_once.py judges any)
        key_file = tmp_path / "master.key"
        os.chown(key_file, 65534, -1)   # nobody's
        refused = sigill("views", "cases", "--agency", "skola", env=env)
        assert refused.returncode == 1 and refused.stderr.strip().splitlines()[-1] == (
            f"sigill: {key_file} holds a private key and belongs to another user, nobody (uid 65534): run Sigill as"
            f" that user, or make the file this user's with `chown root {key_file}` (as root)"), refused.stderr
        os.chown(key_file, 0, -1)
        assert sigill("views", "cases", "--agency", "skola", env=env).returncode == 0   # as it says


def test_an_unknown_command_exits_non_zero(tmp_path):
    result = sigill("fly", env={"SIGILL_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_new_master_key_prints_a_usable_key(tmp_path):
    import base64

    result = sigill("new-master-key", env={"SIGILL_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0 and len(base64.b64decode(result.stdout.strip())) == 32


def test_dev_token_s_help_gives_the_default_lifetime_and_its_bounds(tmp_path):
    # "how long the token is valid (up to a week)": neither the unit nor the default (8) was said.
    told = " ".join(sigill("dev-token", "--help", env={"SIGILL_DATA_DIR": str(tmp_path)}).stdout.split())
    assert "--hours HOURS how long the token is valid, in hours (default 8; at most 168, a week)" in told, told


def test_sigills_help_says_where_its_configuration_comes_from_and_what_its_exits_mean(tmp_path):
    """A new operator's `sigill --help` listed the commands only: nothing said that the database, the keys and the
    sign-in are SIGILL_ variables (README: Configuration), nor what an exit 2, 3 or 78 meant to a unit or a cron job."""
    told = " ".join(sigill("--help", env={"SIGILL_DATA_DIR": str(tmp_path)}).stdout.split())
    assert "SIGILL_* environment variables (README.md, Configuration; production: deploy/README.md)" in told, told
    assert ("Exit status: 0 done; 1 an error, said in one line on standard error (`audit verify`, `audit access-log`,"
            " `audit report`, `views log`: a change found); 2 the command line or an input refused; 3 `audit verify` could not verify (or `audit"
            " report` against its --checkpoints file); 78 `serve`, `follow` or `feed publish` refused its"
            " configuration (the systemd units do not restart on 2 or 78)") in told, told


@pytest.mark.parametrize("command", [("serve",), ("follow",), ("audit", "seal"), ("views", "catch-up"),
                                     ("feed", "publish")])
def test_each_commands_help_says_what_it_does(tmp_path, command):
    result = sigill(*command, "--help", env={"SIGILL_DATA_DIR": str(tmp_path)})
    before_options = result.stdout.split("\noptions:")[0].split("\n\n")   # usage, then the description
    assert result.returncode == 0 and len(before_options) >= 2 and before_options[1].strip(), result.stdout


def test_a_schema_that_does_not_exist_or_a_file_for_a_data_directory_is_named_as_such(tmp_path):
    env = {"SIGILL_DATA_DIR": str(tmp_path / "data")}
    assert sigill("demo", env=env).returncode == 0
    schema = sigill("views", "cases", "--agency", "skola", env={**env, "SIGILL_DB_SCHEMA": "saknas"})
    assert schema.returncode == 1 and schema.stderr.startswith('sigill: SIGILL_DB_SCHEMA: schema "saknas" does not')
    (tmp_path / "fil").write_text("")
    for data in (tmp_path / "fil", tmp_path / "fil" / "under"):
        refused = sigill("demo", env={"SIGILL_DATA_DIR": str(data)})
        assert refused.returncode == 1 and refused.stderr.strip().splitlines()[-1] == (
            f"sigill: SIGILL_DATA_DIR: {data}: a file stands where a directory must be"), refused.stderr


@pytest.mark.parametrize("command,exit_code", [(("audit", "verify"), 3), (("views", "cases", "--agency", "skola"), 1)])
def test_a_command_stopped_by_sigterm_before_it_finished_says_so_and_fails(tmp_path, command, exit_code):
    """`audit verify` stopped half-way must not exit 0 ("unchanged") to a supervisor's scheduled check."""
    import signal
    import socket

    silent = socket.create_server(("127.0.0.1", 0))   # accepts (the kernel's backlog) and never answers
    silent.settimeout(60)
    url = f"postgresql://sigill:x@127.0.0.1:{silent.getsockname()[1]}/sigill"
    waiting = None
    try:
        process = subprocess.Popen([sys.executable, "-m", "services.cli", *command], text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env={**os.environ, "SIGILL_DATA_DIR": str(tmp_path), "SIGILL_DATABASE_URL": url})
        # Started, and waiting for the database: its connection has come.  (A fixed 2.5 s sleep raced the start of
        # Python and the imports, ~0.5 s here, on a loaded machine: a SIGTERM before the handler kills at once.)
        waiting, _ = silent.accept()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if waiting is not None:
            waiting.close()
        silent.close()
    assert process.returncode == exit_code, stderr
    assert stderr.strip().splitlines() == ["sigill: stopped (SIGTERM) before it had finished"]


def test_serve_refuses_more_workers_than_the_machine_can_use_in_one_line(tmp_path):
    from services.cli_serve import MAX_WORKERS

    refused = sigill("serve", "--workers", str(MAX_WORKERS + 1), env={"SIGILL_DATA_DIR": str(tmp_path)})
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert f"--workers must be 1–{MAX_WORKERS}" in refused.stderr
    assert not (tmp_path / "postgres").exists()   # refused before anything started


def test_the_demo_is_refused_in_production(tmp_path):
    """Its fictional case — a name, a personnummer — would stay in the append-only, sealed store for good."""
    refused = sigill("demo", env={"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_ENVIRONMENT": "production"})
    assert refused.returncode == 1 and "refused in production" in refused.stderr and refused.stdout == ""
    assert refused.stderr.count("\n") == 1


def test_a_database_url_that_does_not_answer_leaves_no_master_key_behind(tmp_path):
    """In development the data directory's master key is made on first use: not for a database that never
    answered (a mistyped URL), or the right one would later meet a key that cannot unwrap its data keys."""
    for command in (("views", "cases", "--agency", "skola"), ("calendar",), ("audit", "seal")):
        result = sigill(*command, env={"SIGILL_DATA_DIR": str(tmp_path),
                                       "SIGILL_DATABASE_URL": "postgresql://sigill@127.0.0.1:1/sigill"})
        assert result.returncode != 0 and "cannot reach the database" in result.stderr, (command, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "master.key").exists()


def test_a_database_url_whose_password_holds_characters_of_a_url_says_back_no_part_of_it(tmp_path):
    """The new "cannot reach the database: <libpq's line>" says the host back (a red team, 2026-12-05): a password
    holding "@" unescaped must not spill into it — libpq, given such a URL, takes the tail after its first "@" for the
    host and says it.  Sigill parses the URL itself (the host after the last "@"), so the line names the host alone;
    a password with "/" in it is a URL of no port, said so without it."""
    for password, told in (("s3cr@Tail9", "db.nowhere.invalid"), ("s3cr/Ta:il9", "SIGILL_DATABASE_URL")):
        url = f"postgresql://sigill:{password}@db.nowhere.invalid/sigill"
        for command in (("views", "cases", "--agency", "skola"), ("database", "status")):
            result = sigill(*command, env={"SIGILL_DATA_DIR": str(tmp_path), "SIGILL_DATABASE_URL": url})
            assert result.returncode != 0 and told in result.stderr, (command, result.stderr)
            said = result.stdout + result.stderr
            assert "s3cr" not in said and "il9" not in said, (command, said)
            assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command,exit_code", [(("demo",), 1), (("serve", "--port", "9"), 78),
                                               (("dev-token", "--agency", "skola", "--role", "member"), 1)])
def test_a_data_directory_that_cannot_be_created_is_one_line_naming_the_setting(tmp_path, command, exit_code):
    """Under /proc nothing can be made: the line was errno's ("[Errno 2] No such file or directory: '/proc/sigill'",
    after "cannot reach the database or data directory"), naming no variable."""
    data = "/proc/sigill-cannot-be-made/data"
    refused = sigill(*command, env={"SIGILL_DATA_DIR": data})
    assert refused.returncode == exit_code and "Traceback" not in refused.stderr, refused.stderr
    assert refused.stderr.strip().splitlines()[-1] == (
        f"sigill: SIGILL_DATA_DIR: {data} cannot be created (No such file or directory): set SIGILL_DATA_DIR to a"
        " directory this user may create and write, or leave it unset (the user's data directory)"), refused.stderr
