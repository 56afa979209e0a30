"""Configuration refuses what cannot work; the catalogue is data an installation extends."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from domain.errors import InvalidInput
from services.catalogue_loader import load_catalogue
from services.settings import ConfigurationError, Settings


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


class TestSettings:
    def test_development_generates_a_master_key_once_and_keeps_it(self, tmp_path):
        first = Settings(data_dir=tmp_path).master_key_bytes()
        assert len(first) == 32 and Settings(data_dir=tmp_path).master_key_bytes() == first
        assert oct((tmp_path / "master.key").stat().st_mode)[-3:] == "600"

    def test_production_needs_an_external_database_and_a_master_key(self, tmp_path):
        with pytest.raises(ConfigurationError, match="SIGILL_DATABASE_URL"):
            Settings(data_dir=tmp_path, environment="production", master_key=key()).check()
        with pytest.raises(ConfigurationError, match="SIGILL_MASTER_KEY"):
            Settings(data_dir=tmp_path, environment="production", database_url="postgresql://h/db").check()

    def test_production_refuses_the_development_key(self, tmp_path):
        dev = base64.b64encode(Settings(data_dir=tmp_path).master_key_bytes()).decode()
        with pytest.raises(ConfigurationError, match="development key"):
            Settings(data_dir=tmp_path, environment="production", database_url="postgresql://h/db",
                     master_key=dev).check()

    def test_production_refuses_one_key_for_the_master_and_the_ledger(self, tmp_path):
        """deploy/README.md asks for two keys; one given for both was taken (a newcomer helper, 2026-12-05)."""
        same = key()
        with pytest.raises(ConfigurationError, match="SIGILL_LEDGER_KEY is SIGILL_MASTER_KEY"):
            Settings(data_dir=tmp_path, environment="production", database_url="postgresql://h/db",
                     master_key=same, ledger_key=same).check()

    @pytest.mark.parametrize("setting, variable", [("previous_master_key", "SIGILL_PREVIOUS_MASTER_KEY"),
                                                   ("ledger_trusted_keys", "SIGILL_LEDGER_TRUSTED_KEYS")])
    @pytest.mark.parametrize("bad", ["not base64!", base64.b64encode(b"short").decode()])
    def test_the_check_before_a_start_refuses_a_malformed_key_of_another_use(self, tmp_path, setting, variable, bad):
        """Read first by each of `sigill serve --workers 2`'s workers, a malformed SIGILL_PREVIOUS_MASTER_KEY stopped
        them with a traceback, respawned for ever, the server up and serving nothing."""
        with pytest.raises(ConfigurationError, match=variable):
            Settings(data_dir=tmp_path, **{setting: bad}).check()

    @pytest.mark.parametrize("bad", ["not base64!", base64.b64encode(b"short").decode()])
    def test_a_malformed_master_key_is_refused(self, tmp_path, bad):
        with pytest.raises(ConfigurationError, match="SIGILL_MASTER_KEY"):
            Settings(data_dir=tmp_path, master_key=bad).master_key_bytes()

    def test_a_data_dir_under_the_home_directory_keeps_its_keys_there(self, monkeypatch, tmp_path):
        """The embedded database went to ~/sigill-data and the keys to ./~/sigill-data, a directory named "~"."""
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("SIGILL_DATA_DIR", "~/sigill-data")
        Settings().master_key_bytes()
        assert (tmp_path / "sigill-data" / "master.key").is_file() and not (tmp_path / "~").exists()

    @pytest.mark.parametrize("blank", ["", "  "])
    def test_a_blank_data_dir_is_the_default_one(self, monkeypatch, blank):
        """`SIGILL_DATA_DIR=` put the embedded database and the keys in the working directory."""
        monkeypatch.setenv("SIGILL_DATA_DIR", blank)
        assert Settings().data_dir == Settings.model_fields["data_dir"].default != Path(".")

    @pytest.mark.parametrize("blank", ["", "  "])
    def test_a_blank_schema_is_the_default_one(self, monkeypatch, tmp_path, blank):
        """`SIGILL_DB_SCHEMA=` in the environment file stopped every command with "cannot reach the database …:
        zero-length delimited identifier": a blank is not set, as the example file's commented line is."""
        monkeypatch.setenv("SIGILL_DB_SCHEMA", blank)
        assert Settings(data_dir=tmp_path).db_schema is None


    @pytest.mark.parametrize("setting", ["kafka_topic_partitions", "kafka_publish_batch"])
    @pytest.mark.parametrize("value", [0, -5])
    def test_kafka_counts_below_one_are_refused(self, tmp_path, setting, value):
        from pydantic import ValidationError

        with pytest.raises(ValidationError, match="must be at least 1"):
            Settings(data_dir=tmp_path, **{setting: value})
        assert getattr(Settings(data_dir=tmp_path, **{setting: 1}), setting) == 1


class TestCatalogue:
    def test_the_defaults_hold_the_agencies_categories_bases_and_the_35_areas(self):
        catalogue = load_catalogue()
        assert {"socialtjanst", "polis", "skola", "arbetsformedlingen", "bup", "missbruksvard", "sis",
                "frivilligorganisation", "fritid"} <= set(catalogue.agencies)
        assert catalogue.lead_agency == "socialtjanst" and catalogue.membership_category("bup") == "health"
        assert {"lul6", "sol14"} <= set(catalogue.legal_bases)
        assert sum(len(m.areas) for m in catalogue.municipalities.values()) == 35

    def test_an_installation_adds_and_replaces_entries(self, tmp_path):
        extra = tmp_path / "extra.toml"
        extra.write_text('[[agencies]]\nid = "kriminalvarden"\nname = "Kriminalvården"\n'
                         'membership_category = "crime"\n\n'
                         '[[municipalities]]\ncode = "2480"\nname = "Umeå"\nareas = ["Umeå"]\n', "utf-8")
        catalogue = load_catalogue(extra)
        assert catalogue.membership_category("kriminalvarden") == "crime"
        assert catalogue.municipality("2480").name == "Umeå" and "polis" in catalogue.agencies

    def test_an_extension_that_names_an_unknown_category_is_refused(self, tmp_path):
        extra = tmp_path / "extra.toml"
        extra.write_text('[[agencies]]\nid = "x"\nname = "X"\nmembership_category = "astrology"\n', "utf-8")
        with pytest.raises(InvalidInput, match="astrology"):
            load_catalogue(extra)


    @pytest.mark.parametrize("entry,named", [
        ('[[agencies]]\nid = "skola.rinkeby"\nname = "X"\nmembership_category = "school"\n', "skola.rinkeby"),
        ('[[agencies]]\nid = "Skola"\nname = "X"\nmembership_category = "school"\n', "Skola"),
        ('[[municipalities]]\ncode = "01.80"\nname = "X"\n', "01.80")])
    def test_an_id_that_cannot_name_a_feed_is_refused(self, tmp_path, entry, named):
        """A feed is ``<agency>.<municipality>``: a dot in either would let one agency's rows read as another's."""
        extra = tmp_path / "extra.toml"
        extra.write_text(entry, "utf-8")
        with pytest.raises(InvalidInput, match=named.replace(".", r"\.")):
            load_catalogue(extra)

@pytest.mark.parametrize("text", ["[[agencies]\nid=", '[[agencies]]\nid = "x"\n'])
def test_a_broken_catalogue_file_is_a_configuration_error(tmp_path, text):
    extra = tmp_path / "broken.toml"
    extra.write_text(text, "utf-8")
    with pytest.raises(ConfigurationError, match="catalogue"):
        load_catalogue(extra)


@pytest.mark.parametrize("text", ['agencies = "skola"\n', "agencies = [1, 2]\n", "plan_areas = [1]\n",
                                  'municipalities = "0180"\n'])
def test_a_catalogue_section_of_another_shape_is_one_line_saying_the_shape(tmp_path, text):
    """A section that was no list of tables stopped every command with a traceback (TypeError)."""
    extra = tmp_path / "shape.toml"
    extra.write_text(text, "utf-8")
    with pytest.raises(ConfigurationError, match=r"are lists of tables \(\[\[agencies\]\] …\), plan_areas a table"):
        load_catalogue(extra)


def test_a_catalogue_file_that_is_not_utf8_is_a_configuration_error(tmp_path):
    """Latin-1 from an old editor stopped every command with a traceback (UnicodeDecodeError)."""
    extra = tmp_path / "latin1.toml"
    extra.write_bytes('[[agencies]]\nid = "fritid"\nname = "Fritidsgården Hägg"\n'.encode("latin-1"))
    with pytest.raises(ConfigurationError, match=f"cannot read the catalogue {extra}: 'utf-8' codec can't decode"):
        load_catalogue(extra)


@pytest.mark.parametrize("text, said", [
    ('[[agencies]]\nid = "fritid"\n', "the catalogue {path}: agency 'fritid' lacks name (its fields: id, name,"
                                       " membership_category, lead, bound_by_secrecy)"),
    ('[[agencies]]\nid = "fritid"\nname = "Fritid"\nmembership = "case"\n',
     "agency 'fritid' has no field membership (its fields: id, name, membership_category, lead, bound_by_secrecy)"),
    ('[[agencies]]\nid = "fritid"\nname = "Fritid"\nbound_by_secrecy = "no"\n',
     "agency 'fritid': bound_by_secrecy must be true or false"),
    ('[[municipalities]]\ncode = "9999"\n', "municipality '9999' lacks name"),
    ('[[legal_bases]]\nid = "x"\nname = "X"\n', "legal basis 'x' lacks recipient, senders, categories"),
])
def test_an_incomplete_catalogue_entry_is_named_with_what_it_lacks(tmp_path, text, said):
    """An installation's catalogue lacking an agency's name said "Agency.__init__() missing 1 required positional
    argument: 'name'" (a newcomer helper, 2026-12-05)."""
    extra = tmp_path / "extra.toml"
    extra.write_text(text, "utf-8")
    with pytest.raises(ConfigurationError) as refused:
        load_catalogue(extra)
    assert said.format(path=extra) in str(refused.value), str(refused.value)


def test_a_voluntary_organisation_is_the_one_agency_no_secrecy_binds_by_default():
    """OSL binds public authorities: what a consent lets out to a voluntary organisation is not protected there."""
    agencies = load_catalogue(None).agencies
    assert [a for a in agencies if not agencies[a].bound_by_secrecy] == ["frivilligorganisation"]


@pytest.mark.parametrize("content,problem", [(b"garbage\n", "is not valid base64"),
                                             (base64.b64encode(b"short"), "must be 32 bytes")])
def test_a_damaged_development_key_file_is_named_not_the_variable_left_unset(tmp_path, content, problem):
    """An operator told "SIGILL_MASTER_KEY is not valid base64" looks at an environment where it is not set: the
    key came from the data directory's master.key (or ledger.key), and that file is what to mend."""
    for name, read in (("master.key", Settings.master_key_bytes), ("ledger.key", Settings.ledger_key_bytes)):
        (tmp_path / name).write_bytes(content)
        (tmp_path / name).chmod(0o600)   # a private file, as Sigill makes it: its content is what is damaged
        with pytest.raises(ConfigurationError) as refused:
            read(Settings(data_dir=tmp_path))
        variable = "SIGILL_MASTER_KEY" if name == "master.key" else "SIGILL_LEDGER_KEY"
        assert str(refused.value).startswith(f"{tmp_path / name}, the development key used while {variable} is"
                                             f" unset, {problem}")
        assert str(refused.value).endswith(": restore the file from a copy")


@pytest.mark.parametrize("content", [b"garbage\n", b"\xff\xfe not text", base64.b64encode(b"short")])
def test_production_with_its_own_key_is_not_refused_over_a_damaged_development_key_file(tmp_path, content):
    """The data directory's master.key is read in production only to refuse a start with the development key: a
    damaged one there, which production does not use, refused the start ("… used while SIGILL_MASTER_KEY is unset
    …: restore the file") or, not being text, stopped it with a traceback."""
    (tmp_path / "master.key").write_bytes(content)
    (tmp_path / "master.key").chmod(0o600)
    Settings(data_dir=tmp_path, environment="production", database_url="postgresql://h/db", master_key=key(),
             ledger_key=key(), oidc_issuer="https://idp.example", oidc_client_id="sigill-web",
             oidc_client_secret="s", public_url="https://sigill.example").check()


def test_production_refuses_the_development_key_whatever_its_files_mode(tmp_path):
    """A development key file others may open is refused where it is the key in use (``key_files.read_private``);
    the key compared with it in production is refused for being the development key all the same."""
    dev = base64.b64encode(Settings(data_dir=tmp_path).master_key_bytes()).decode()
    (tmp_path / "master.key").chmod(0o644)
    with pytest.raises(ConfigurationError, match="development key"):
        Settings(data_dir=tmp_path, environment="production", database_url="postgresql://h/db",
                 master_key=dev).check()
