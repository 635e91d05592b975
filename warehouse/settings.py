"""Where the warehouse lives and how it is configured.

Everything a deployment changes lives under one directory, ``$CSW_HOME`` (default ``./data``), so
that the data team can point the same code at demo data, a test folder or ``/srv/csw``.
Settings are one typed model (:class:`WarehouseSettings`, pydantic-settings) read from the defaults
shipped beside this module, overridden key by key by ``$CSW_HOME/settings.toml``. The model is the
one source of every setting: report code reads it without fallbacks of its own, and dbt gets its
``var()`` values from it at run time (:meth:`WarehouseSettings.dbt_vars`), never from a copy in
``dbt_project.yml``. A misspelt key or a value of the wrong type stops the load, naming the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

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
    def chart_cache(self) -> Path:
        """Rendered charts, reused while their rows do not change (``reporting.chart_cache``)."""
        return self.home / "cache" / "charts"

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


class Section(BaseModel):
    """A TOML table of the settings: an unknown key is an error, so a misspelt override is never ignored."""

    model_config = ConfigDict(extra="forbid")


class Statistics(Section):
    significance_level: float


class Rag(Section):
    significant_deterioration: str
    significant_improvement: str
    no_significant_change: str


class Geography(Section):
    force_area_code: str
    police_uk_force: str
    stats19_police_force: int


class Disclosure(Section):
    threshold: int
    sensitive_themes: list[str]


class Peers(Section):
    forces: list[str]
    csp_k: PositiveInt
    csp: dict[str, list[str]]


class Reporting(Section):
    priority_order: list[str]


class Publish(Section):
    block_on_warnings: bool


class NightTimeEconomy(Section):
    town_centre_lsoas: list[str]
    start_hour: int
    end_hour: int


class Marac(Section):
    areas: dict[str, str]


class Benchmark(Section):
    # int | float: a whole number stays a whole number in what dbt renders into SQL
    low: int | float
    high: int | float
    compare: Literal["rate", "value"]


class CrimeCosts(Section):
    unit_cost_overrides: dict[str, int | float]


class Intake(Section):
    resubmission_min_share: float


class Survey(Section):
    min_respondents: int
    confidence_level: float


# A DuckDB memory size: a number and a unit (DuckDB's own spelling: "6GB", "512MiB", "1.5 GB").
MEMORY_SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)


class DuckDBResources(Section):
    """What every DuckDB connection of the warehouse may use: the dbt profile's (``settings:``, from
    the dbt vars) and the Python connections' (:func:`warehouse.database.connect`)."""

    memory_limit: str
    threads: NonNegativeInt = Field(description="0: one per core of this machine")
    temp_directory: str

    @field_validator("memory_limit")
    @classmethod
    def _memory_size(cls, value: str) -> str:
        if not MEMORY_SIZE.match(value):
            raise ValueError(f"a DuckDB memory size such as \"6GB\" or \"512MB\", not {value!r}")
        return value.strip()

    def resolved_threads(self) -> int:
        """``threads``, with 0 read as the cores this process may run on."""
        if self.threads:
            return self.threads
        try:
            return len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            return os.cpu_count() or 1

    def spill_directory(self, home: Path) -> Path:
        """``temp_directory``, a relative path read from the home."""
        return (home / Path(self.temp_directory).expanduser()).resolve()

    def config(self, home: Path) -> dict[str, str]:
        """The DuckDB configuration of a connection to the warehouse of ``home`` (``duckdb.connect(config=...)``)."""
        return {
            "memory_limit": self.memory_limit,
            "threads": str(self.resolved_threads()),
            "temp_directory": str(self.spill_directory(home)),
        }


class WarehouseSettings(BaseSettings):
    """Every setting of a deployment, one section per table of ``default_settings.toml``.

    No field has a default in code: the shipped TOML is the one place defaults are written, and a
    setting missing from it is an error, not a silent second default. Only the two TOML files are
    read (no environment variables, no ``.env``), so what a night used is what the files say.
    """

    model_config = SettingsConfigDict(extra="forbid", toml_file=DEFAULT_SETTINGS)

    statistics: Statistics
    rag: Rag
    geography: Geography
    clusters: dict[str, list[str]]
    disclosure: Disclosure
    peers: Peers
    reporting: Reporting
    publish: Publish
    night_time_economy: NightTimeEconomy
    marac: Marac
    benchmarks: dict[str, Benchmark]
    crime_costs: CrimeCosts
    intake: Intake
    survey: Survey
    duckdb: DuckDBResources

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The home's settings.toml arrives as init values, deep-merged over the shipped defaults.
        return init_settings, TomlConfigSettingsSource(settings_cls)

    def dbt_vars(self, home: Path | None = None) -> dict[str, Any]:
        """The values the dbt models read with ``var()``, passed as ``--vars`` to every dbt command.

        The ``duckdb_*`` values are read by the profile (dbt_project/profiles.yml ``settings:``), not
        by a model: the resources of dbt's DuckDB connection, with the spill directory under ``home``
        (default ``$CSW_HOME``)."""
        nte = self.night_time_economy
        duckdb = self.duckdb.config(home or csw_home())
        return {
            "significance_level": self.statistics.significance_level,
            "rag": self.rag.model_dump(),
            "force_area_code": self.geography.force_area_code,
            "police_uk_force": self.geography.police_uk_force,
            "stats19_police_force": self.geography.stats19_police_force,
            "clusters": self.clusters,
            "town_centre_lsoas": nte.town_centre_lsoas,
            "nte_start_hour": nte.start_hour,
            "nte_end_hour": nte.end_hour,
            "marac_areas": self.marac.areas,
            "benchmarks": {key: b.model_dump() for key, b in self.benchmarks.items()},
            "crime_unit_cost_overrides": self.crime_costs.unit_cost_overrides,
            "survey_min_respondents": self.survey.min_respondents,
            "survey_confidence_level": self.survey.confidence_level,
            "peer_forces": self.peers.forces,
            "peer_csp_k": self.peers.csp_k,
            "peer_csp_groups": self.peers.csp,
            "duckdb_memory_limit": duckdb["memory_limit"],
            "duckdb_threads": duckdb["threads"],
            "duckdb_temp_directory": duckdb["temp_directory"],
        }


def settings_model(home: Path | None = None) -> WarehouseSettings:
    """The shipped defaults with the deployment's ``settings.toml`` (if any) merged over them."""
    override = Paths(home or csw_home()).settings_file
    if not override.exists():
        return WarehouseSettings()
    with override.open("rb") as fh:
        return WarehouseSettings(**tomllib.load(fh))


def default_settings() -> WarehouseSettings:
    """The shipped defaults alone, whatever ``$CSW_HOME`` holds (for tests that build without a home)."""
    return WarehouseSettings()


def settings_of(settings: WarehouseSettings | Mapping[str, Any]) -> WarehouseSettings:
    """Settings given as plain sections, completed from the shipped defaults and validated.

    ``load_settings`` output comes back unchanged; a partial mapping (a test's ``{"disclosure":
    {...}}``) is merged over the defaults exactly as a home's settings.toml would be, so code that
    takes settings never needs a fallback value of its own."""
    return settings if isinstance(settings, WarehouseSettings) else WarehouseSettings(**settings)


def load_settings(home: Path | None = None) -> dict[str, Any]:
    """The settings of ``home`` as plain sections (``settings["geography"]["force_area_code"]``)."""
    return settings_model(home).model_dump()
