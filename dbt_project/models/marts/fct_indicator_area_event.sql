{{ config(materialized='view') }}

-- Which rows count for a reporting area, written once: each row of fct_indicator_event once for
-- every reporting area it counts in (area_rule says by which rule).
--
-- * the police force area (var('force_area_code')) counts every row its force reported
--   (`in_force_area`), including No Location rows and rows outside the county: `force_area`;
-- * every other reporting area counts the rows attributed to its member districts
--   (int_area_district_members: a district itself, Lancashire-12 its twelve, a cluster its
--   members): `member_district`.
--
-- mart_indicator_monthly sums it per indicator, area and month; `csw trace` (warehouse/trace.py)
-- lists an area's rows from it. A view: the join is cheap, and no events x areas table is stored.
-- The events are read once by each rule (no `events` CTE read twice: DuckDB would materialise
-- every event first).
with

area_members as (

    select * from {{ ref('int_area_district_members') }}

),

member_district_events as (

    select
        area_members.area_code,
        'member_district' as area_rule,
        events.*

    from {{ ref('fct_indicator_event') }} as events

    inner join area_members
        on events.lad_code = area_members.lad_code

    where area_members.area_code != '{{ var("force_area_code") }}'

),

force_area_events as (

    select
        '{{ var("force_area_code") }}' as area_code,
        'force_area' as area_rule,
        events.*

    from {{ ref('fct_indicator_event') }} as events

    where events.in_force_area

),

final as (

    select * from member_district_events
    union all
    select * from force_area_events

)

select * from final
