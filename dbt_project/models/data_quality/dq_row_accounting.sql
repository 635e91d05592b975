-- Every landed file: rows read = rows loaded + rows quarantined, as recorded by the ingestion,
-- checked against the rows actually present in the raw tables and in the quarantine.
with

source_files as (

    select * from {{ ref('stg_meta__source_files') }}

),

quarantine as (

    select * from {{ ref('stg_meta__quarantine') }}

),

raw_rows as (

    -- listed by hand on purpose: a loop over `graph.sources` is empty when dbt parses, which would
    -- drop these tables from the model's lineage
    select
        source_file,
        source_row
    from {{ source('raw', 'police_street') }}
    union all
    select
        source_file,
        source_row
    from {{ source('raw', 'stats19_collision') }}
    union all
    select
        source_file,
        source_row
    from {{ source('raw', 'stats19_vehicle') }}
    union all
    select
        source_file,
        source_row
    from {{ source('raw', 'stats19_casualty') }}
    union all
    select
        source_file,
        source_row
    from {{ source('raw', 'ons_lsoa_lookup') }}
    union all
    select
        source_file,
        source_row
    from {{ source('raw', 'population') }}
    union all
    select
        source_file,
        source_row
    from {{ source('raw', 'police_crime_extract') }}
    union all
    select
        source_file,
        source_row
    from {{ source('raw', 'police_da_incidents') }}
    union all
    select
        source_file,
        source_row
    from {{ source('raw', 'marac_returns') }}
    union all
    select
        source_file,
        source_row
    from {{ source('raw', 'population_sex_age') }}

),

raw_counts as (

    -- distinct lines: a wide population row (Mid-2022, Mid-2023, ...) becomes one raw row a year
    select
        source_file,
        count(distinct source_row) as rows_in_raw

    from raw_rows

    group by source_file

),

quarantine_counts as (

    select
        source_file,
        count(distinct source_row) as rows_in_quarantine

    from quarantine

    group by source_file

),

final as (

    select
        source_files.source_file,
        source_files.feed,
        source_files.file_name,
        source_files.partition_key,
        source_files.scope,
        source_files.received_at,
        source_files.status,
        source_files.rows_read,
        source_files.rows_loaded,
        source_files.rows_quarantined,
        coalesce(raw_counts.rows_in_raw, 0) as rows_in_raw,
        coalesce(quarantine_counts.rows_in_quarantine, 0) as rows_in_quarantine,
        coalesce(
            source_files.rows_read = source_files.rows_loaded + source_files.rows_quarantined, false
        ) as is_read_balanced,
        coalesce(raw_counts.rows_in_raw, 0) = coalesce(source_files.rows_loaded, 0) as is_raw_complete,
        coalesce(quarantine_counts.rows_in_quarantine, 0)
        = coalesce(source_files.rows_quarantined, 0) as is_quarantine_complete

    from source_files

    left join raw_counts
        on source_files.source_file = raw_counts.source_file

    left join quarantine_counts
        on source_files.source_file = quarantine_counts.source_file

)

select * from final
