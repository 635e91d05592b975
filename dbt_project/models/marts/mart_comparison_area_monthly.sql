{{ config(materialized='table') }}

-- The police.uk indicators for every comparison area of England and Wales, month by month: one
-- row per indicator x area (district `lad`, Community Safety Partnership `csp`, police force area
-- `force_area`) x month its covering force's street data is loaded for (int_police_uk_force_months),
-- zeros filled. Which rows count for which indicator is the catalogue's, applied by the
-- indicator_events() macro as fct_indicator_event applies it, here to every force's rows
-- (mart_comparison_area_monthly__events):
--
-- * a district or CSP counts the rows attributed to its districts through their LSOA, whichever
--   force reported them (int_police_street_attributed; CSPs through int_lad_csp_pfa_resolved);
-- * a police force area counts every row its own force reported (the file's force slug ->
--   police_forces.pfa_code), including No Location rows and rows outside its area;
-- * rows of a force with no force area (British Transport Police, Northern Ireland) count nowhere.
--
-- A month the covering force's files are not loaded for has no row: a count is never 0 for want of
-- data (mart_peer_comparison__member_periods says which months are missing).
with

events as (

    select * from {{ ref('mart_comparison_area_monthly__events') }}

),

police_uk_indicators as (

    select * from {{ ref('int_police_uk_count_indicators') }}

),

police_forces as (

    select * from {{ ref('police_forces') }}

),

area_districts as (

    select * from {{ ref('int_comparison_area_districts') }}

),

areas as (

    select * from {{ ref('int_comparison_areas') }}

),

force_months as (

    select * from {{ ref('int_police_uk_force_months') }}

),

event_sums as (

    -- the events summed first, per indicator, month, district and reporting force: the sums below
    -- (by district and by force area) read this, not every event twice (a CTE read twice is
    -- materialised, and the events are every row of every force)
    select
        indicator_id,
        month,
        lad_code,
        force,
        sum(value) as value,
        count(*) as source_rows

    from events

    group by indicator_id, month, lad_code, force

),

counted_events as (

    -- rows of a force with a force area of England and Wales only
    select
        event_sums.indicator_id,
        event_sums.month,
        event_sums.lad_code,
        event_sums.value,
        event_sums.source_rows,
        police_forces.pfa_code as force_pfa_code

    from event_sums

    inner join police_forces
        on event_sums.force = police_forces.force_slug

    where police_forces.pfa_code is not null

),

district_sums as (

    select
        area_districts.area_code,
        area_districts.area_type,
        counted_events.indicator_id,
        counted_events.month,
        sum(counted_events.value) as value,
        cast(sum(counted_events.source_rows) as bigint) as source_rows

    from counted_events

    inner join area_districts
        on counted_events.lad_code = area_districts.lad_code

    where area_districts.area_type in ('lad', 'csp')

    group by area_districts.area_code, area_districts.area_type, counted_events.indicator_id, counted_events.month

),

force_area_sums as (

    select
        force_pfa_code as area_code,
        'force_area' as area_type,
        indicator_id,
        month,
        sum(value) as value,
        cast(sum(source_rows) as bigint) as source_rows

    from counted_events

    group by force_pfa_code, indicator_id, month

),

area_sums as (

    select * from district_sums
    union all
    select * from force_area_sums

),

grid as (

    -- every indicator for every area and month its covering force's files are loaded for
    select
        police_uk_indicators.indicator_id,
        police_uk_indicators.indicator_name,
        areas.area_code,
        areas.area_type,
        areas.area_name,
        areas.force_slug,
        force_months.month

    from areas

    inner join force_months
        on areas.force_slug = force_months.force

    cross join police_uk_indicators

),

final as (

    select
        grid.indicator_id,
        grid.indicator_name,
        grid.area_code,
        grid.area_type,
        grid.area_name,
        grid.force_slug,
        grid.month,
        cast(coalesce(area_sums.value, 0) as double) as value,
        coalesce(area_sums.source_rows, 0) as source_rows

    from grid

    left join area_sums
        on
            grid.indicator_id = area_sums.indicator_id
            and grid.area_code = area_sums.area_code
            and grid.area_type = area_sums.area_type
            and grid.month = area_sums.month

)

select * from final
