-- Which districts/unitaries make up each reporting area: each of the 14 is its own member,
-- Lancashire-12 is its 12 districts, the police force area its 14, each cluster its configured
-- members (var('clusters')).
with

areas as (

    select * from {{ ref('lancashire_areas') }}

),

configured_clusters as (

    {{ cluster_members() }}

),

districts as (

    select
        area_code,
        area_name

    from areas

    where area_type in ('district', 'unitary')

),

self_members as (

    select
        areas.area_code,
        areas.area_name,
        areas.area_type,
        areas.area_code as lad_code

    from areas

    where areas.area_type in ('district', 'unitary')

),

county_members as (

    select
        county.area_code,
        county.area_name,
        county.area_type,
        members.area_code as lad_code

    from areas as county

    cross join areas as members

    where
        county.area_type = 'county'
        and members.in_lancashire_12

),

force_area_members as (

    select
        force_area.area_code,
        force_area.area_name,
        force_area.area_type,
        members.area_code as lad_code

    from areas as force_area

    cross join areas as members

    where
        force_area.area_code = '{{ var("force_area_code") }}'
        and members.in_lancashire_14

),

cluster_area_members as (

    select
        area_code,
        area_name,
        'cluster' as area_type,
        lad_code

    from configured_clusters

),

unioned as (

    select * from self_members
    union all
    select * from county_members
    union all
    select * from force_area_members
    union all
    select * from cluster_area_members

),

final as (

    select
        unioned.area_code,
        unioned.area_name,
        unioned.area_type,
        unioned.lad_code,
        districts.area_name as lad_name,
        count(*) over (partition by unioned.area_code) as n_members

    from unioned

    left join districts
        on unioned.lad_code = districts.area_code

)

select * from final
