-- fatal <= KSI <= all casualties; each KSI road user group <= KSI; fatal <= adjusted KSI <=
-- all casualties.
with

monthly as (

    select * from {{ ref('mart_indicator_monthly') }}

),

pivoted as (

    select
        area_code,
        month,
        sum(value) filter (where indicator_id = 'road_casualties') as road_casualties,
        sum(value) filter (where indicator_id = 'ksi_casualties') as ksi_casualties,
        sum(value) filter (where indicator_id = 'fatal_casualties') as fatal_casualties,
        sum(value) filter (where indicator_id = 'adjusted_ksi') as adjusted_ksi,
        sum(value) filter (
            where indicator_id in ('ksi_young_road_users', 'ksi_motorcyclists', 'ksi_cyclists', 'ksi_pedestrians')
        ) as largest_group_bound,
        max(value) filter (
            where indicator_id in ('ksi_young_road_users', 'ksi_motorcyclists', 'ksi_cyclists', 'ksi_pedestrians')
        ) as largest_group

    from monthly

    where source_model = 'fct_road_casualty'

    group by area_code, month

),

final as (

    select *

    from pivoted

    where
        not fatal_casualties <= ksi_casualties
        or not ksi_casualties <= road_casualties
        or not largest_group <= ksi_casualties
        or not fatal_casualties <= adjusted_ksi + 1e-9
        or not adjusted_ksi <= road_casualties + 1e-9

)

select * from final
