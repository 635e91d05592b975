-- One row per area relative position can compare: the districts, CSPs and police force areas of
-- int_comparison_area_districts, and every police force area of the police_forces seed (a force
-- area counts its own force's rows, so it has counts even without the lookup). `force_slug` is
-- the force whose police.uk files cover the area; null for an area of no force (none in England
-- and Wales).
with

area_districts as (

    select * from {{ ref('int_comparison_area_districts') }}

),

police_forces as (

    select * from {{ ref('police_forces') }}

),

lookup_areas as (

    select
        area_code,
        area_type,
        min(area_name) as area_name,
        min(pfa_code) as pfa_code,
        min(force_slug) as force_slug,
        count(*) as n_districts

    from area_districts

    group by area_code, area_type

),

seed_force_areas as (

    select
        pfa_code as area_code,
        'force_area' as area_type,
        pfa_name as area_name,
        pfa_code,
        force_slug,
        0 as n_districts

    from police_forces

    where
        pfa_code is not null
        and pfa_code not in (
            select lookup_areas.area_code
            from lookup_areas
            where lookup_areas.area_type = 'force_area'
        )

),

final as (

    select * from lookup_areas
    union all
    select * from seed_force_areas

)

select * from final
