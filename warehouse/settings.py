"""Where the warehouse lives and how it is configured.

Everything a deployment changes lives under one directory, ``$CSW_HOME`` (default ``./data``), so
that the data team can point the same code at demo data, a test folder or ``/srv/csw``.
Settings are one TOML file: the defaults shipped beside this module, overridden section by section
by ``$CSW_HOME/settings.toml``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_SETTINGS = Path(__file__).with_name("default_settings.toml")
REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


@dataclass(frozen=True)
class Paths:
    """Every location the warehouse reads or writes, derived from one home directory."""

    home: Path

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def outputs(self) -> Path:
        return self.home / "outputs"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def settings_file(self) -> Path:
        return self.home / "settings.toml"

    def landing_for(self, feed: str) -> Path:
        return self.landing / feed

    def ensure(self) -> "Paths":
        for p in (self.home, self.landing, self.outputs, self.dagster_home):
            p.mkdir(parents=True, exist_ok=True)
        return self


def csw_home() -> Path:
    """The warehouse home: ``$CSW_HOME`` if set, else ``./data`` (git-ignored)."""
    return Path(os.environ.get("CSW_HOME", "data")).expanduser().resolve()


def paths() -> Paths:
    return Paths(csw_home())


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_settings(home: Path | None = None) -> dict[str, Any]:
    """Defaults merged with the deployment's ``settings.toml`` (if any)."""
    with DEFAULT_SETTINGS.open("rb") as fh:
        settings = tomllib.load(fh)
    override = Paths(home or csw_home()).settings_file
    if override.exists():
        with override.open("rb") as fh:
            settings = _merge(settings, tomllib.load(fh))
    return settings
