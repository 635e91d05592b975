-- Every landed file, whatever its status, against the rows actually present in the raw tables and
-- in the quarantine (counted per feed: the same bytes can land in two feeds' folders). Balanced:
--   loaded, superseded, held: rows_read = rows_loaded + rows_quarantined, and the raw tables hold
--     rows_loaded of its rows and the quarantine rows_quarantined;
--   rejected: nothing loaded or quarantined (rows_read is what was read before the rejection),
--     nothing of it in the tables;
--   ignored: not read, all zeros, nothing of it in the tables;
--   any other status: not balanced (a status nobody accounts for).
-- A rejected or ignored record whose bytes were accepted in the same feed under another name
-- (a police file renamed with its month) owns none of the rows found under its SHA-256.
-- rows_unattributed: rows in use (of loaded files, as staging reads them) that no district or
-- collision can take, by reason (STATS19 rows whose collision is absent, police.uk rows with no
-- location or an unknown LSOA, fire incidents with an unknown LSOA or a ward code only); a part of
-- rows_loaded, not a third kind of row.
with

source_files as (

    select * from {{ ref('stg_meta__source_files') }}

),

quarantine as (

    select * from {{ ref('stg_meta__quarantine') }}

),

stats19_unattributed as (

    select * from {{ ref('dq_stats19_unattributed_rows') }}

),

police_street_attributed as (

    select * from {{ ref('int_police_street_attributed') }}

),

fire_incidents as (

    select * from {{ ref('fct_fire_incident') }}

),

raw_rows as (

    -- listed by hand on purpose: a loop over `graph.sources` is empty when dbt parses, which would
    -- drop these tables from the model's lineage
    select
        'police_street' as feed,
        source_file,
        source_row
    from {{ source('raw', 'police_street') }}
    union all
    select
        'stats19_collision' as feed,
        source_file,
        source_row
    from {{ source('raw', 'stats19_collision') }}
    union all
    select
        'stats19_vehicle' as feed,
        source_file,
        source_row
    from {{ source('raw', 'stats19_vehicle') }}
    union all
    select
        'stats19_casualty' as feed,
        source_file,
        source_row
    from {{ source('raw', 'stats19_casualty') }}
    union all
    select
        'ons_lsoa_lookup' as feed,
        source_file,
        source_row
    from {{ source('raw', 'ons_lsoa_lookup') }}
    union all
    select
        'population' as feed,
        source_file,
        source_row
    from {{ source('raw', 'population') }}
    union all
    select
        'police_crime_extract' as feed,
        source_file,
        source_row
    from {{ source('raw', 'police_crime_extract') }}
    union all
    select
        'police_da_incidents' as feed,
        source_file,
        source_row
    from {{ source('raw', 'police_da_incidents') }}
    union all
    select
        'marac_returns' as feed,
        source_file,
        source_row
    from {{ source('raw', 'marac_returns') }}
    union all
    select
        'population_sex_age' as feed,
        source_file,
        source_row
    from {{ source('raw', 'population_sex_age') }}
    union all
    select
        'residents_survey' as feed,
        source_file,
        source_row
    from {{ source('raw', 'residents_survey') }}
    union all
    select
        'fire_incidents' as feed,
        source_file,
        source_row
    from {{ source('raw', 'fire_incidents') }}
    union all
    select
        'fingertips' as feed,
        source_file,
        source_row
    from {{ source('raw', 'fingertips') }}

),

raw_counts as (

    -- distinct lines: a wide population row (Mid-2022, Mid-2023, ...) becomes one raw row a year
    select
        feed,
        source_file,
        count(distinct source_row) as rows_in_raw

    from raw_rows

    group by feed, source_file

),

quarantine_counts as (

    select
        feed,
        source_file,
        count(distinct source_row) as rows_in_quarantine

    from quarantine

    group by feed, source_file

),

accepted_files as (

    -- the (feed, file) pairs whose rows were written: an accepted record owns them
    select distinct
        feed,
        source_file

    from source_files

    where status in ('loaded', 'superseded', 'held')

),

unattributed_rows as (

    select
        feed,
        source_file,
        source_row,
        reason

    from stats19_unattributed

    union all

    select
        'police_street' as feed,
        source_file,
        source_row,
        case when attribution_method = 'no_location' then 'no_location' else 'unknown_lsoa' end as reason

    from police_street_attributed

    where attribution_method in ('no_location', 'unattributed')

    union all

    select
        'fire_incidents' as feed,
        source_file,
        source_row,
        attribution_method as reason

    from fire_incidents

    where attribution_method in ('unknown_lsoa', 'ward_code')

),

unattributed_by_reason as (

    select
        feed,
        source_file,
        reason,
        count(distinct source_row) as n_rows

    from unattributed_rows

    group by feed, source_file, reason

),

unattributed_counts as (

    select
        feed,
        source_file,
        sum(n_rows) as rows_unattributed,
        string_agg(reason || ': ' || n_rows, ', ' order by reason) as unattributed_by_reason

    from unattributed_by_reason

    group by feed, source_file

),

counted as (

    select
        source_files.*,
        coalesce(raw_counts.rows_in_raw, 0) as rows_in_raw,
        coalesce(quarantine_counts.rows_in_quarantine, 0) as rows_in_quarantine,
        accepted_files.source_file is not null as is_accepted_in_feed,
        case when source_files.status = 'loaded' then coalesce(unattributed_counts.rows_unattributed, 0) else 0 end
            as rows_unattributed,
        case when source_files.status = 'loaded' then unattributed_counts.unattributed_by_reason end
            as unattributed_by_reason

    from source_files

    left join raw_counts
        on
            source_files.feed = raw_counts.feed
            and source_files.source_file = raw_counts.source_file

    left join quarantine_counts
        on
            source_files.feed = quarantine_counts.feed
            and source_files.source_file = quarantine_counts.source_file

    left join accepted_files
        on
            source_files.feed = accepted_files.feed
            and source_files.source_file = accepted_files.source_file

    left join unattributed_counts
        on
            source_files.feed = unattributed_counts.feed
            and source_files.source_file = unattributed_counts.source_file

),

checked as (

    select
        *,
        coalesce(rows_read = rows_loaded + rows_quarantined, false) as is_read_balanced,
        rows_in_raw = coalesce(rows_loaded, 0) as is_raw_complete,
        rows_in_quarantine = coalesce(rows_quarantined, 0) as is_quarantine_complete,
        coalesce(rows_loaded, 0) = 0 and coalesce(rows_quarantined, 0) = 0 as is_nothing_recorded,
        (rows_in_raw = 0 and rows_in_quarantine = 0) or is_accepted_in_feed as is_nothing_in_tables

    from counted

),

final as (

    select
        source_file,
        feed,
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
        rows_unattributed,
        unattributed_by_reason,
        is_read_balanced,
        is_raw_complete,
        is_quarantine_complete,
        coalesce(
            case
                when status in ('loaded', 'superseded', 'held')
                    then is_read_balanced and is_raw_complete and is_quarantine_complete
                when status = 'rejected'
                    then is_nothing_recorded and is_nothing_in_tables
                when status = 'ignored'
                    then is_nothing_recorded and coalesce(rows_read, 0) = 0 and is_nothing_in_tables
            end,
            false
        ) as is_balanced

    from checked

)

select * from final
