"""The dbt project's unit tests (``unit_tests:`` in ``models/**/_<folder>__unit_tests.yml``) and its
SQL style (sqlfluff with the project's ``.sqlfluff``).

The unit tests need every relation they read to exist with its real columns, so a throw-away
DuckDB file gets the raw and meta tables the ingestion creates, then ``dbt seed`` and
``dbt run --empty``; then ``dbt test --select test_type:unit``. dbt runs in this process
(``dbtRunner``) with its own ``--target-path`` and ``--log-path`` under pytest's temp folder, so
it never touches the orchestration's ``dbt_project/target``.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DBT_PROJECT = REPO / "dbt_project"

# Every unit test written for the models, by model. The run must have at least these (more may
# be added in the YAML without touching this list).
UNIT_TESTS: dict[str, tuple[str, ...]] = {
    "stg_police__street_records": ("stg_police__street_records_keeps_loaded_files_and_flags_rows",),
    "stg_stats19__casualties": ("stg_stats19__casualties_keeps_latest_loaded_file_per_data_year",),
    "stg_stats19__collisions": ("stg_stats19__collisions_latest_file_and_missing_codes",),
    "int_lsoa_districts_resolved": ("int_lsoa_districts_resolved_maps_both_vintages_latest_district_wins",),
    "int_area_district_members": ("int_area_district_members_from_areas_and_cluster_vars",),
    "int_police_street_attributed": (
        "int_police_street_attributed_lookup_name_prefix_and_flags",
        "int_police_street_attributed_duplicates_within_a_repeated_crime_id",
    ),
    "int_population_area_year": ("int_population_area_year_lad_estimate_else_lsoa_sum_and_aggregates",),
    "mart_scorecard_quarterly__count_windows": (
        "mart_scorecard_quarterly__count_windows_quarters_and_windows",
        "mart_scorecard_quarterly__count_windows_cells_not_available",
    ),
    "mart_scorecard_quarterly__base": (
        "mart_scorecard_quarterly__base_population_rate_and_district_rank",
        "mart_scorecard_quarterly__base_marac_hand_calculation",
        "mart_scorecard_quarterly__base_ratio_not_available",
    ),
    "int_marac_returns_quarantined": ("int_marac_returns_quarantined_reads_area_and_quarter",),
    "int_marac_area_quarters": ("int_marac_area_quarters_quarantined_and_not_received_returns",),
    "int_crime_extract_attributed": ("int_crime_extract_attributed_night_time_economy_and_key_issue",),
    "mart_scorecard_quarterly__published_grid": ("mart_scorecard_quarterly__published_grid_from_first_figure_quarter",),
    "mart_scorecard_quarterly__survey_values": ("mart_scorecard_quarterly__survey_values_waves_by_quarter",),
    "mart_scorecard_quarterly__health_values": (
        "mart_scorecard_quarterly__health_values_latest_period_as_at_each_quarter",
    ),
    "mart_scorecard_quarterly__published_values": ("mart_scorecard_quarterly__published_values_rag_and_last_year",),
    "dim_month": ("dim_month_financial_year_and_quarter", "dim_month_stretches_to_cover_the_data"),
    "fct_road_casualty": (
        "fct_road_casualty_road_user_groups_ksi_and_adjusted_serious",
        "fct_road_casualty_collision_columns",
    ),
    "int_indicator_months": (
        "int_indicator_months_police_and_stats19_coverage",
        "int_indicator_months_repeats_count_their_lookback",
    ),
    "fct_indicator_area_event": ("fct_indicator_area_event_force_area_and_member_districts",),
    "mart_indicator_monthly": ("mart_indicator_monthly_grid_and_area_sums",),
    "dq_stats19_unattributed_rows": ("dq_stats19_unattributed_rows_lists_casualties_and_vehicles_without_collision",),
    # dq_row_accounting is a Python model (the rule of warehouse.accounting, tested in test_row_accounting.py)
    "dq_row_accounting__unattributed": ("dq_row_accounting__unattributed_counts_rows_by_reason",),
    "mart_reporting_period": (
        "mart_reporting_period_half_the_indicators_with_a_value",
        "mart_reporting_period_no_period_reaches_half",
    ),
}

# Unit tests that document a bug in a model (marked `# BUG:` in the YAML, where they are also
# disabled so that `dbt build` stays green): never run here.
KNOWN_BUGS: tuple[str, ...] = ()

# sqlfluff violations already in models this module does not own, as (path under models/, rule).
# They are reported, not hidden: any other violation fails the lint test.
KNOWN_LINT_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()


def _dbt(args: list[str], target_path: Path, log_path: Path):
    from dbt.cli.main import dbtRunner

    from orchestration.dbt_project import dbt_vars
    from warehouse.settings import default_settings

    result = dbtRunner().invoke([
        *args,
        "--vars", dbt_vars(default_settings()),
        "--project-dir", str(DBT_PROJECT),
        "--profiles-dir", str(DBT_PROJECT),
        "--target-path", str(target_path),
        "--log-path", str(log_path),
        "--quiet",
    ])
    if result.exception is not None:
        raise result.exception
    return result


def _failures(result) -> list[str]:
    return [
        f"{r.node.unique_id}: {r.status} {r.message or ''}".strip()
        for r in (result.result.results if result.result is not None else [])
        if str(r.status) not in {"pass", "success"}
    ]


@pytest.fixture(scope="module")
def unit_test_results(tmp_path_factory: pytest.TempPathFactory):
    from ingestion import registry
    from warehouse.database import connect, ensure_schema

    work = tmp_path_factory.mktemp("dbt_unit")
    warehouse = work / "warehouse.duckdb"
    with connect(warehouse) as con:
        ensure_schema(con, {f.raw_table: f.columns for f in registry.feeds().values()})

    target_path, log_path = work / "target", work / "logs"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSW_WAREHOUSE_PATH", str(warehouse))
        mp.setenv("CSW_REPO_ROOT", str(REPO))
        for step in (["seed"], ["run", "--empty"]):
            result = _dbt(step, target_path, log_path)
            assert result.success, (step, _failures(result))
        excluded = [f"unit_test:{name}" for name in KNOWN_BUGS]
        result = _dbt(
            ["test", "--select", "test_type:unit", *(["--exclude", *excluded] if excluded else [])],
            target_path, log_path,
        )
    return result


def test_dbt_unit_tests_pass(unit_test_results):
    results = unit_test_results.result.results
    by_id = {r.node.unique_id: str(r.status) for r in results}
    assert all(uid.startswith("unit_test.") for uid in by_id), sorted(by_id)
    failures = _failures(unit_test_results)
    assert not failures, "\n".join(failures)
    assert unit_test_results.success

    ran: dict[str, set[str]] = defaultdict(set)
    for uid in by_id:
        _, _package, model, name = uid.split(".", 3)
        ran[model].add(name)
    missing = {m: sorted(set(names) - ran[m]) for m, names in UNIT_TESTS.items() if set(names) - ran[m]}
    assert not missing, f"unit tests not run: {missing}"
    assert len(by_id) >= sum(len(names) for names in UNIT_TESTS.values())
    assert not set(KNOWN_BUGS) & {name for names in ran.values() for name in names}


def test_the_nightly_build_leaves_the_unit_tests_to_this_module(demo_run) -> None:
    """dbt unit tests check the SQL on fixed inputs, not the night's data: the nightly ``dbt build``
    excludes them (orchestration/dbt_assets.py: ``--exclude-resource-type unit_test``), and the
    module above runs every one. The night's own dbt run results say what it ran."""
    import json

    _home, run = demo_run
    found = sorted((REPO / "dbt_project" / "target").glob(f"warehouse_models-{run.run_id[:7]}-*/run_results.json"))
    assert len(found) == 1, found
    ran = [r["unique_id"] for r in json.loads(found[0].read_text(encoding="utf-8"))["results"]]
    assert any(uid.startswith("test.") for uid in ran) and any(uid.startswith("model.") for uid in ran)
    assert not [uid for uid in ran if uid.startswith("unit_test.")]


@pytest.fixture(scope="module")
def lint_violations() -> dict[str, list[tuple[str, str, int, str]]]:
    """sqlfluff violations of every model, by folder under models/: (file, rule, line, description).

    One sqlfluff run over all the folders, on two processes (each file is templated, parsed and
    linted on its own: the same rules and results as one process, in about half the time)."""
    from sqlfluff.core import FluffConfig, Linter

    config = FluffConfig.from_path(str(DBT_PROJECT))
    linted = Linter(config=config).lint_paths((str(DBT_PROJECT / "models"),), processes=2)
    models = DBT_PROJECT / "models"
    by_folder: dict[str, list[tuple[str, str, int, str]]] = defaultdict(list)
    for record in linted.as_records():
        relative = Path(record["filepath"]).resolve().relative_to(models).as_posix()
        for violation in record["violations"]:
            by_folder[relative.split("/")[0]].append(
                (relative, violation["code"], violation["start_line_no"], violation["description"])
            )
    assert linted.stats(0, 0)["files"] > 0  # the models were found and linted
    return by_folder


@pytest.mark.lint
@pytest.mark.parametrize("folder", ["staging", "intermediate", "marts", "data_quality"])
def test_sqlfluff_lint_models(lint_violations, folder: str):
    assert (DBT_PROJECT / "models" / folder).is_dir()
    new = [v for v in lint_violations.get(folder, []) if (v[0], v[1]) not in KNOWN_LINT_VIOLATIONS]
    assert not new, "\n".join(f"{path}:{line} {rule} {desc}" for path, rule, line, desc in new)
