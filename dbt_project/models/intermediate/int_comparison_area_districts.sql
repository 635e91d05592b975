-- The areas of England and Wales that relative position compares, each with its member districts
-- and the police force whose street data covers it: every district (`lad`), every Community
-- Safety Partnership (`csp`) and every police force area (`force_area`) of the latest loaded
-- LAD -> CSP -> PFA lookup (int_lad_csp_pfa_resolved). The covering force is the force of the
-- area's police force area (the police_forces seed): its police.uk files must be loaded for a
-- month before the area has a count for it. Populations are sums of the member districts.
with

lookup as (

    select * from {{ ref('int_lad_csp_pfa_resolved') }}

),

police_forces as (

    select * from {{ ref('police_forces') }}

),

district_members as (

    select
        lad_code as area_code,
        'lad' as area_type,
        lad_name as area_name,
        lad_code,
        pfa_code

    from lookup

),

csp_members as (

    select
        csp_code as area_code,
        'csp' as area_type,
        csp_name as area_name,
        lad_code,
        pfa_code

    from lookup

),

force_area_members as (

    select
        pfa_code as area_code,
        'force_area' as area_type,
        pfa_name as area_name,
        lad_code,
        pfa_code

    from lookup

),

unioned as (

    select * from district_members
    union all
    select * from csp_members
    union all
    select * from force_area_members

),

final as (

    select
        unioned.area_code,
        unioned.area_type,
        unioned.area_name,
        unioned.lad_code,
        unioned.pfa_code,
        police_forces.force_slug,
        count(*) over (partition by unioned.area_type, unioned.area_code) as n_districts

    from unioned

    left join police_forces
        on unioned.pfa_code = police_forces.pfa_code

)

select * from final
