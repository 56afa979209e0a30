"""Loads the reference catalogue: the shipped defaults, extended by an installation's file."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from domain.catalogue import Catalogue, IncompleteEntry, merge_mappings
from services.settings import ConfigurationError


def load_catalogue(extra: Path | None = None) -> Catalogue:
    """The default catalogue, with ``extra`` (a TOML file) added on top when given."""
    base = tomllib.loads(resources.files("services").joinpath("data/catalogue.toml").read_text("utf-8"))
    if extra is not None:
        try:
            base = merge_mappings(base, tomllib.loads(Path(extra).read_text("utf-8")))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError) as error:
            raise ConfigurationError(f"cannot read the catalogue {extra}: {error}") from None
        except (TypeError, AttributeError):   # a section of another shape (`agencies = "x"`): it was a traceback
            raise ConfigurationError(f"the catalogue {extra}: agencies, categories, legal_bases and municipalities"
                                     " are lists of tables ([[agencies]] …), plan_areas a table (see"
                                     " services/data/catalogue.toml)") from None
    try:
        return Catalogue.from_mapping(base)
    except IncompleteEntry as error:
        raise ConfigurationError(f"the catalogue {extra}: {error.message}") from None
    except (KeyError, TypeError) as error:
        raise ConfigurationError(f"the catalogue {extra} has an incomplete entry: {error}") from None
