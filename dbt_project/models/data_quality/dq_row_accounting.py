"""Every landed file, whatever its status, against the rows actually present in the raw tables and
in the quarantine: the rule of warehouse.accounting (accounting_sql, the one copy, which the Dagster
row_accounting checks also run) over stg_meta__source_files, stg_meta__quarantine and every raw
table. Balanced:
  loaded, superseded, held: rows_read = rows_loaded + rows_quarantined, and the raw tables hold
    rows_loaded of its rows and the quarantine rows_quarantined;
  rejected: nothing loaded or quarantined (rows_read is what was read before the rejection),
    nothing of it in the tables;
  ignored: not read, all zeros, nothing of it in the tables;
  any other status: not balanced (a status nobody accounts for).
A rejected or ignored record whose bytes were accepted in the same feed under another name (a police
file renamed with its month) owns none of the rows found under its SHA-256.
rows_unattributed, unattributed_by_reason: of a loaded file, from dq_row_accounting__unattributed
(0 and null for other statuses).
A Python model so that the rule is not written a second time in SQL: dbt unit tests cannot run on
it, so tests/test_row_accounting.py tests the rule and dq_row_accounting__unattributed has the unit test.
"""

# The project's own package (installed with `make`): the one implementation of the rule.
from warehouse.accounting import accounting_sql


def _sql(relation) -> str:
    return f"({relation.sql_query()})"


def model(dbt, session):
    dbt.config(materialized="table")
    # listed by hand on purpose: dbt reads a Python model's lineage from literal dbt.source() calls
    raw_tables = {
        "police_street": dbt.source("raw", "police_street"),
        "stats19_collision": dbt.source("raw", "stats19_collision"),
        "stats19_vehicle": dbt.source("raw", "stats19_vehicle"),
        "stats19_casualty": dbt.source("raw", "stats19_casualty"),
        "ons_lsoa_lookup": dbt.source("raw", "ons_lsoa_lookup"),
        "ons_lad_csp_pfa": dbt.source("raw", "ons_lad_csp_pfa"),
        "ons_boundaries": dbt.source("raw", "ons_boundaries"),
        "population": dbt.source("raw", "population"),
        "police_crime_extract": dbt.source("raw", "police_crime_extract"),
        "police_da_incidents": dbt.source("raw", "police_da_incidents"),
        "marac_returns": dbt.source("raw", "marac_returns"),
        "population_sex_age": dbt.source("raw", "population_sex_age"),
        "residents_survey": dbt.source("raw", "residents_survey"),
        "fire_incidents": dbt.source("raw", "fire_incidents"),
        "fingertips": dbt.source("raw", "fingertips"),
    }
    raw_rows = " union all ".join(
        f"select '{feed}' as feed, source_file, source_row from {_sql(relation)}"
        for feed, relation in raw_tables.items()
    )
    rule = accounting_sql(
        files=_sql(dbt.ref("stg_meta__source_files")),
        raw_rows=f"({raw_rows})",
        quarantine=_sql(dbt.ref("stg_meta__quarantine")),
    )
    unattributed = _sql(dbt.ref("dq_row_accounting__unattributed"))
    return session.sql(f"""
        with accounted as ({rule})
        select
            accounted.source_file,
            accounted.feed,
            file_name,
            partition_key,
            scope,
            received_at,
            status,
            rows_read,
            rows_loaded,
            rows_quarantined,
            rows_in_raw,
            rows_in_quarantine,
            case when status = 'loaded' then coalesce(unattributed.rows_unattributed, 0) else 0 end
                as rows_unattributed,
            case when status = 'loaded' then unattributed.unattributed_by_reason end as unattributed_by_reason,
            is_read_balanced,
            is_raw_complete,
            is_quarantine_complete,
            is_balanced
        from accounted
        left join {unattributed} as unattributed
            on accounted.feed = unattributed.feed and accounted.source_file = unattributed.source_file
    """)
