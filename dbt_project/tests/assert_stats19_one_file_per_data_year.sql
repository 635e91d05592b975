{{ config(meta={'dagster': {'ref': {'name': 'stg_stats19__collisions'}}}) }}
-- Each STATS19 data year is read from one file per table (the latest loaded file containing it).
with

files_per_year as (

    select
        'collision' as stats19_table,
        collision_year,
        count(distinct source_file) as n_files

    from {{ ref('stg_stats19__collisions') }}

    group by collision_year

    union all

    select
        'vehicle' as stats19_table,
        collision_year,
        count(distinct source_file) as n_files

    from {{ ref('stg_stats19__vehicles') }}

    group by collision_year

    union all

    select
        'casualty' as stats19_table,
        collision_year,
        count(distinct source_file) as n_files

    from {{ ref('stg_stats19__casualties') }}

    group by collision_year

),

final as (

    select * from files_per_year

    where n_files != 1

)

select * from final
