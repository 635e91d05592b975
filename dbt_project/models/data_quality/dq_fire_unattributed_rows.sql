-- Fire and rescue incidents (loaded files) that no district counts, by month and reason: an LSOA
-- in no loaded lookup (`unknown_lsoa`), a ward code only (`ward_code`: no ward lookup is loaded),
-- and incidents attributed to a district outside pan-Lancashire (`outside_lancashire`). All of them
-- count in the partnership's area total (the fire service area is the partnership's area).
with

incidents as (

    select * from {{ ref('fct_fire_incident') }}

),

areas as (

    select * from {{ ref('lancashire_areas') }}

),

lancashire_districts as (

    select area_code as lad_code

    from areas

    where in_lancashire_14

),

classified as (

    select
        incidents.month,
        incidents.is_fire,
        case
            when incidents.attribution_method in ('unknown_lsoa', 'ward_code') then incidents.attribution_method
            when lancashire_districts.lad_code is null then 'outside_lancashire'
        end as reason

    from incidents

    left join lancashire_districts
        on incidents.lad_code = lancashire_districts.lad_code

),

final as (

    select
        month,
        reason,
        count(*) as n_rows,
        count(*) filter (where is_fire) as n_fire_rows

    from classified

    where reason is not null

    group by month, reason

)

select * from final
