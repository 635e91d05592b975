-- The months each count indicator covers, and for one that counts repeats (catalogue
-- lookback_months) how many of the lookback_months before each month it covers (months_loaded: a
-- gap in the history undercounts repeats as surely as a late start does; null without a lookback).
-- A source covers a month it has a loaded file (partition key) or rows for; an indicator counting
-- several systems ('a+b'), the months all of them cover.
with

count_catalogue as (

    -- counts only: ratios have no months of their own, survey and Fingertips figures none at all
    select * from {{ ref('indicator_catalogue') }}

    where
        source_model not in {{ published_value_models_sql() }}
        and numerator_id is null

),

source_files as (

    select * from {{ ref('stg_meta__source_files') }}

),

police_force_months as (

    select * from {{ ref('int_police_uk_force_months') }}

),

collisions as (

    select * from {{ ref('stg_stats19__collisions') }}

),

crime_extract as (

    select * from {{ ref('stg_police__crime_extract') }}

),

da_incidents as (

    select * from {{ ref('stg_police__da_incidents') }}

),

marac_area_months as (

    select * from {{ ref('int_marac_area_months') }}

),

police_months as (

    -- months with a loaded police.uk file for the force (by its partition key, or by its rows)
    select month

    from police_force_months

    where force = '{{ var("police_uk_force") }}'

),

stats19_latest_month as (

    select max(month) as latest_month

    from collisions

),

stats19_months as (

    -- every month of each loaded data year, up to the latest collision month
    select cast(make_date(data_years.collision_year, calendar_months.calendar_month, 1) as date) as month

    from (select distinct collision_year from collisions) as data_years

    cross join range(1, 13) as calendar_months (calendar_month)

    cross join stats19_latest_month

    where make_date(data_years.collision_year, calendar_months.calendar_month, 1) <= stats19_latest_month.latest_month

),

monthly_file_months as (

    -- months with a loaded file of a monthly restricted feed (by partition key, or by its rows)
    select
        feed as source_system,
        cast(strptime(partition_key || '-01', '%Y-%m-%d') as date) as month

    from source_files

    where
        status = 'loaded'
        and feed in ('police_crime_extract', 'police_da_incidents', 'fire_incidents')
        and regexp_full_match(partition_key, '\d{4}-\d{2}')

    union

    select
        'police_crime_extract' as source_system,
        month

    from crime_extract

    union

    select
        'police_da_incidents' as source_system,
        month

    from da_incidents

),

marac_months as (

    select distinct month

    from marac_area_months

),

source_months as (

    select
        'police.uk' as source_system,
        month

    from police_months

    union all

    select
        'stats19' as source_system,
        month

    from stats19_months

    union all

    select
        source_system,
        month

    from monthly_file_months

    union all

    select
        'marac_returns' as source_system,
        month

    from marac_months

),

catalogue_systems as (

    select
        count_catalogue.indicator_id,
        count_catalogue.source_model,
        unnest(string_split(count_catalogue.source_system, '+')) as source_system,
        len(string_split(count_catalogue.source_system, '+')) as n_systems

    from count_catalogue

),

indicator_months as (

    -- an indicator counting several systems covers the months every one of them has
    select
        catalogue_systems.indicator_id,
        catalogue_systems.source_model,
        source_months.month

    from catalogue_systems

    inner join source_months
        on catalogue_systems.source_system = source_months.source_system

    group by catalogue_systems.indicator_id, catalogue_systems.source_model, source_months.month

    having count(distinct catalogue_systems.source_system) = max(catalogue_systems.n_systems)

),

lookback_coverage as (

    select
        indicator_months.indicator_id,
        indicator_months.month,
        count_catalogue.lookback_months,
        count(earlier_months.month) as months_loaded

    from indicator_months

    inner join count_catalogue
        on indicator_months.indicator_id = count_catalogue.indicator_id

    left join indicator_months as earlier_months
        on
            indicator_months.indicator_id = earlier_months.indicator_id
            and indicator_months.month > earlier_months.month
            and indicator_months.month - to_months(cast(count_catalogue.lookback_months as integer))
            <= earlier_months.month

    where count_catalogue.lookback_months is not null

    group by indicator_months.indicator_id, indicator_months.month, count_catalogue.lookback_months

),

final as (

    select
        indicator_months.indicator_id,
        indicator_months.source_model,
        indicator_months.month,
        lookback_coverage.lookback_months,
        lookback_coverage.months_loaded

    from indicator_months

    left join lookback_coverage
        on
            indicator_months.indicator_id = lookback_coverage.indicator_id
            and indicator_months.month = lookback_coverage.month

)

select * from final
