"""One source for every setting: the typed model, the dbt vars it passes, and no second copy.

The settings model (warehouse/settings.py) is read from default_settings.toml and the home's
settings.toml; dbt gets its var() values from it at run time, so dbt_project.yml must not hold
them, and report code must not carry fallback values of its own (an area code in reporting/ is a
second copy of the [geography] setting or of the area seed). Fast: no Dagster run, no dbt build.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from orchestration import dbt_project as dbt_project_module
from orchestration.dbt_project import dbt_vars
from reporting.disclosure import DisclosureRules
from warehouse.settings import (
    DBT_PROJECT_DIR,
    DEFAULT_SETTINGS,
    REPO_ROOT,
    Section,
    WarehouseSettings,
    csw_home,
    default_settings,
    load_settings,
    settings_model,
    settings_of,
)

OVERRIDE = """
[geography]
force_area_code = "E23000099"
[clusters]
north = ["E07000121"]
[survey]
min_respondents = 45
[marac.areas]
"Morecambe" = "E07000121"
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "settings.toml").write_text(OVERRIDE, encoding="utf-8")
    return tmp_path


def test_defaults_are_the_shipped_toml_and_nothing_else(tmp_path: Path) -> None:
    shipped = tomllib.loads(DEFAULT_SETTINGS.read_text(encoding="utf-8"))
    assert load_settings(tmp_path) == shipped
    assert default_settings().model_dump() == shipped


def test_the_home_overrides_key_by_key(home: Path) -> None:
    settings = load_settings(home)
    shipped = tomllib.loads(DEFAULT_SETTINGS.read_text(encoding="utf-8"))
    assert settings["geography"] == {**shipped["geography"], "force_area_code": "E23000099"}
    assert settings["clusters"] == {**shipped["clusters"], "north": ["E07000121"]}
    assert settings["survey"] == {**shipped["survey"], "min_respondents": 45}
    assert settings["marac"]["areas"] == {**shipped["marac"]["areas"], "Morecambe": "E07000121"}


@pytest.mark.parametrize(("toml", "key"), [
    ('[geography]\nforce_are_code = "E23000003"\n', "geography.force_are_code"),
    ("[no_such_section]\nx = 1\n", "no_such_section"),
    ('[benchmarks.marac_repeat_rate]\nlow = 1\nhigh = 2\ncompare = "value"\nhihg = 3\n',
     "benchmarks.marac_repeat_rate.hihg"),
])
def test_an_unknown_key_is_an_error_that_names_it(tmp_path: Path, toml: str, key: str) -> None:
    (tmp_path / "settings.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ValidationError, match=re.escape(key)):
        load_settings(tmp_path)


@pytest.mark.parametrize(("toml", "key"), [
    ('[survey]\nmin_respondents = "many"\n', "survey.min_respondents"),
    ("[geography]\nforce_area_code = 23000003\n", "geography.force_area_code"),
    ('[benchmarks.marac_repeat_rate]\nlow = 1\nhigh = 2\ncompare = "median"\n', "benchmarks.marac_repeat_rate.compare"),
    ('[publish]\nblock_on_warnings = "sometimes"\n', "publish.block_on_warnings"),
])
def test_a_value_of_the_wrong_type_is_an_error_that_names_it(tmp_path: Path, toml: str, key: str) -> None:
    (tmp_path / "settings.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ValidationError, match=re.escape(key)):
        load_settings(tmp_path)


def test_environment_variables_do_not_change_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the two TOML files count: a stray variable named like a field changes nothing.
    monkeypatch.setenv("GEOGRAPHY", '{"force_area_code": "E23000099"}')
    monkeypatch.setenv("STATISTICS", '{"significance_level": 0.5}')
    assert load_settings(tmp_path) == default_settings().model_dump()


def test_a_partial_mapping_is_completed_from_the_defaults() -> None:
    model = settings_of({"disclosure": {"threshold": 10}})
    assert model.disclosure.threshold == 10
    assert model.disclosure.sensitive_themes == default_settings().disclosure.sensitive_themes
    assert settings_of(model) is model
    assert DisclosureRules() == DisclosureRules.from_settings(load_settings(Path("/nonexistent-csw-home")))


# --- dbt vars: passed at run time from the model, never a second copy in dbt_project.yml --------------

def test_dbt_vars_are_the_settings_values(home: Path) -> None:
    s = load_settings(home)
    nte = s["night_time_economy"]
    assert json.loads(dbt_vars(s)) == {
        "significance_level": s["statistics"]["significance_level"],
        "rag": s["rag"],
        "force_area_code": s["geography"]["force_area_code"],
        "police_uk_force": s["geography"]["police_uk_force"],
        "stats19_police_force": s["geography"]["stats19_police_force"],
        "clusters": s["clusters"],
        "town_centre_lsoas": nte["town_centre_lsoas"],
        "nte_start_hour": nte["start_hour"],
        "nte_end_hour": nte["end_hour"],
        "marac_areas": s["marac"]["areas"],
        "benchmarks": s["benchmarks"],
        "crime_unit_cost_overrides": s["crime_costs"]["unit_cost_overrides"],
        "survey_min_respondents": s["survey"]["min_respondents"],
        "survey_confidence_level": s["survey"]["confidence_level"],
        "peer_forces": s["peers"]["forces"],
        "peer_csp_k": s["peers"]["csp_k"],
        "peer_csp_groups": s["peers"]["csp"],
        # read by the profile (dbt's DuckDB resources), spilling under $CSW_HOME
        "duckdb_memory_limit": s["duckdb"]["memory_limit"],
        "duckdb_threads": settings_model(home).duckdb.config(csw_home())["threads"],
        "duckdb_temp_directory": str(csw_home() / s["duckdb"]["temp_directory"]),
    }
    assert json.loads(dbt_vars(settings_model(home))) == json.loads(dbt_vars(s))
    assert json.loads(dbt_vars(s))["force_area_code"] == "E23000099"


def test_dbt_vars_default_to_the_settings_of_csw_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSW_HOME", str(home))
    assert json.loads(dbt_vars()) == settings_model(home).dbt_vars()


def _keys(node: object) -> set[str]:
    if isinstance(node, dict):
        return {str(k) for k in node} | set().union(*(_keys(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_keys(v) for v in node))
    return set()


def test_dbt_project_yml_holds_no_copy_of_the_settings() -> None:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    setting_vars = set(default_settings().dbt_vars())
    assert "vars" not in project
    # nor under a folder's config (`+vars:`) or any other key named like a setting
    assert not _keys(project) & (setting_vars | {"vars", "+vars"})


def test_every_var_the_dbt_project_reads_is_a_setting() -> None:
    files = [p for folder in ("models", "macros", "tests", "analyses", "snapshots")
             for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.suffix in {".sql", ".yml", ".yaml"}]
    used = {m for p in files for m in re.findall(r"""\bvar\(\s*['"](\w+)['"]""", p.read_text(encoding="utf-8"))}
    assert used, "no var() found: the pattern is wrong"
    assert used <= set(default_settings().dbt_vars()), sorted(used - set(default_settings().dbt_vars()))


def test_the_manifest_parse_passes_the_shipped_vars(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    calls: list[list[str]] = []

    class Invocation:
        def wait(self) -> None:
            return None

    def fake_cli(self, args, **kwargs):  # noqa: ANN001 -- stands in for DbtCliResource.cli
        calls.append(list(args))
        return Invocation()

    (home / "settings.toml").write_text("[geography]\nforce_are_code = 'a typo'\n")  # never read by the parse
    monkeypatch.setenv("CSW_HOME", str(home))
    monkeypatch.setattr(dbt_project_module.DbtCliResource, "cli", fake_cli)
    # what `make manifest` (dagster-dbt prepare-and-package) and a manifest-less process run
    project = dbt_project_module.DBT_PROJECT
    project.preparer.prepare(project)
    assert calls and calls[0][:1] == ["parse"]
    parsed, shipped = json.loads(calls[0][calls[0].index("--vars") + 1]), default_settings().dbt_vars()
    # the spill directory is resolved under the $CSW_HOME of the moment the module loaded (no model
    # reads it, only the profile): every other value is the shipped one
    assert parsed.keys() == shipped.keys()
    assert {**parsed, "duckdb_temp_directory": None} == {**shipped, "duckdb_temp_directory": None}


def test_the_dbt_build_passes_the_vars() -> None:
    # the one `dbt build` of a night (orchestration/dbt_assets.py) gives the home's settings as --vars
    source = (REPO_ROOT / "orchestration" / "dbt_assets.py").read_text(encoding="utf-8")
    assert re.search(r'"build",[^\]]*"--vars", dbt_vars\(', source), source


# --- no fallback values of settings in report code ---------------------------------------------------

AREA_CODE_LITERALS = re.compile(r"E23000003|E10000017|['\"]lancashire['\"]")


def test_report_code_has_no_literal_area_codes_or_force() -> None:
    hits = [f"{p.relative_to(REPO_ROOT)}:{n}: {line.strip()}"
            for p in sorted((REPO_ROOT / "reporting").rglob("*.py"))
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if AREA_CODE_LITERALS.search(line)]
    assert not hits, "settings values written in report code:\n" + "\n".join(hits)


def test_the_model_has_no_defaults_in_code() -> None:
    # the shipped TOML is the one place a default is written
    models = [WarehouseSettings, *Section.__subclasses__()]
    optional = [f"{m.__name__}.{name}" for m in models for name, f in m.model_fields.items() if not f.is_required()]
    assert not optional
