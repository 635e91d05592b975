-- The 14 districts and unitaries, Lancashire-12 and the configured force area are all reporting
-- areas, and every configured cluster has members.
with

areas as (

    select * from {{ ref('dim_area') }}

),

counts as (

    select
        count(*) filter (where area_type in ('district', 'unitary')) as n_districts,
        count(*) filter (where area_type = 'county') as n_counties,
        count(*) filter (
            where area_type = 'police_force_area' and area_code = '{{ var("force_area_code") }}'
        ) as n_force_areas,
        count(*) filter (where area_type = 'cluster') as n_clusters

    from areas

),

final as (

    select *

    from counts

    where
        n_districts != 14
        or n_counties != 1
        or n_force_areas != 1
        or n_clusters != {{ var('clusters') | length }}

)

select * from final
