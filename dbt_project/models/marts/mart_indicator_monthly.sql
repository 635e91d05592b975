-- Every indicator for every reporting area and every month its source covers, zeros filled.
-- Districts and unitaries count the rows attributed to them through their LSOA (road casualties:
-- local_authority_ons_district); Lancashire-12 and the clusters are sums of their member
-- districts; the police force area counts every row the force reported, including No Location
-- rows and rows outside the county.
with

catalogue as (

    select * from {{ ref('indicator_catalogue') }}

),

events as (

    select * from {{ ref('int_indicator_events') }}

),

area_members as (

    select * from {{ ref('int_area_district_members') }}

),

street_records as (

    select * from {{ ref('stg_police__street_records') }}

),

source_files as (

    select * from {{ ref('stg_meta__source_files') }}

),

collisions as (

    select * from {{ ref('stg_stats19__collisions') }}

),

reporting_areas as (

    select distinct
        area_code,
        area_type

    from area_members

),

police_months as (

    -- months with a loaded police.uk file for the force (by its partition key, or by its rows)
    select cast(strptime(partition_key || '-01', '%Y-%m-%d') as date) as month

    from source_files

    where
        status = 'loaded'
        and scope = '{{ var("police_uk_force") }}'
        and regexp_full_match(partition_key, '\d{4}-\d{2}')

    union

    select month

    from street_records

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

source_months as (

    select
        'fct_crime' as source_model,
        month

    from police_months

    union all

    select
        'fct_asb' as source_model,
        month

    from police_months

    union all

    select
        'fct_road_casualty' as source_model,
        month

    from stats19_months

),

grid as (

    select
        catalogue.indicator_id,
        catalogue.source_model,
        reporting_areas.area_code,
        reporting_areas.area_type,
        source_months.month

    from catalogue

    inner join source_months
        on catalogue.source_model = source_months.source_model

    cross join reporting_areas

),

district_sums as (

    select
        events.indicator_id,
        area_members.area_code,
        events.month,
        sum(events.value) as value,
        count(*) as source_rows

    from events

    inner join area_members
        on events.lad_code = area_members.lad_code

    where area_members.area_code != '{{ var("force_area_code") }}'

    group by events.indicator_id, area_members.area_code, events.month

),

force_area_sums as (

    select
        indicator_id,
        '{{ var("force_area_code") }}' as area_code,
        month,
        sum(value) as value,
        count(*) as source_rows

    from events

    where in_force_area

    group by indicator_id, month

),

area_sums as (

    select * from district_sums
    union all
    select * from force_area_sums

),

final as (

    select
        grid.indicator_id,
        grid.area_code,
        grid.month,
        coalesce(area_sums.value, 0) as value,
        coalesce(area_sums.source_rows, 0) as source_rows,
        grid.area_type,
        grid.source_model

    from grid

    left join area_sums
        on
            grid.indicator_id = area_sums.indicator_id
            and grid.area_code = area_sums.area_code
            and grid.month = area_sums.month

)

select * from final
