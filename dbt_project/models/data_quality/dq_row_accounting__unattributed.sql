-- Per feed and file, the rows in use (as staging reads them) that no district or collision can
-- take, by reason: STATS19 rows whose collision is absent, police.uk rows with no location or an
-- unknown LSOA, fire incidents with an unknown LSOA or a ward code only. dq_row_accounting counts
-- them for loaded files (rows_unattributed, unattributed_by_reason): a part of rows_loaded, not a
-- third kind of row.
with

stats19_unattributed as (

    select * from {{ ref('dq_stats19_unattributed_rows') }}

),

police_street_attributed as (

    select * from {{ ref('int_police_street_attributed') }}

),

fire_incidents as (

    select * from {{ ref('fct_fire_incident') }}

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

final as (

    select
        feed,
        source_file,
        sum(n_rows) as rows_unattributed,
        string_agg(reason || ': ' || n_rows, ', ' order by reason) as unattributed_by_reason

    from unattributed_by_reason

    group by feed, source_file

)

select * from final
