-- Every area the warehouse reports on or attributes to: each LSOA known to the ONS lookups
-- (with the district it belongs to), the 14 districts and unitaries, Lancashire-12, the police
-- force area (Lancashire-14) and the configured clusters.
with

lsoa_districts as (

    select * from {{ ref('int_lsoa_districts_resolved') }}

),

areas as (

    select * from {{ ref('lancashire_areas') }}

),

area_members as (

    select * from {{ ref('int_area_district_members') }}

),

district_clusters as (

    select
        lad_code,
        string_agg(area_code, ',' order by area_code) as cluster

    from area_members

    where area_type = 'cluster'

    group by lad_code

),

districts as (

    select
        areas.*,
        district_clusters.cluster

    from areas

    left join district_clusters
        on areas.area_code = district_clusters.lad_code

    where areas.area_type in ('district', 'unitary')

),

lsoa_areas as (

    select
        lsoa_districts.lsoa_code as area_code,
        lsoa_districts.lsoa_name as area_name,
        'lsoa' as area_type,
        lsoa_districts.lad_code,
        lsoa_districts.lad_name,
        lsoa_districts.lsoa_vintage,
        coalesce(districts.in_lancashire_12, false) as in_lancashire_12,
        coalesce(districts.in_lancashire_14, false) as in_lancashire_14,
        districts.cluster,
        cast(null as varchar) as csp_code

    from lsoa_districts

    left join districts
        on lsoa_districts.lad_code = districts.area_code

),

district_areas as (

    select
        area_code,
        area_name,
        area_type,
        area_code as lad_code,
        area_name as lad_name,
        cast(null as integer) as lsoa_vintage,
        in_lancashire_12,
        in_lancashire_14,
        cluster,
        csp_code

    from districts

),

aggregate_areas as (

    select
        area_code,
        area_name,
        area_type,
        cast(null as varchar) as lad_code,
        cast(null as varchar) as lad_name,
        cast(null as integer) as lsoa_vintage,
        false as in_lancashire_12,
        false as in_lancashire_14,
        cast(null as varchar) as cluster,
        cast(null as varchar) as csp_code

    from areas

    where area_type = 'county' or area_code = '{{ var("force_area_code") }}'

),

cluster_areas as (

    select distinct
        area_code,
        area_name,
        area_type,
        cast(null as varchar) as lad_code,
        cast(null as varchar) as lad_name,
        cast(null as integer) as lsoa_vintage,
        false as in_lancashire_12,
        false as in_lancashire_14,
        area_code as cluster,
        cast(null as varchar) as csp_code

    from area_members

    where area_type = 'cluster'

),

unioned as (

    select * from lsoa_areas
    union all
    select * from district_areas
    union all
    select * from aggregate_areas
    union all
    select * from cluster_areas

),

final as (

    select
        *,
        area_type in ('district', 'unitary') as is_district,
        area_type in ('district', 'unitary', 'county', 'police_force_area', 'cluster') as is_reporting_area

    from unioned

)

select * from final
