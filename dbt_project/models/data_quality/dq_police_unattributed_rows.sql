-- police.uk rows not counted in any district, by month, force and reason: No Location rows,
-- LSOAs neither in the lookups nor named after a known local authority, and rows attributed to
-- a district outside pan-Lancashire (counted only in the force area total).
with

street_records as (

    select * from {{ ref('int_police_street_attributed') }}

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
        street_records.month,
        street_records.force,
        street_records.is_asb,
        case
            when street_records.attribution_method = 'no_location' then 'no_location'
            when street_records.attribution_method = 'unattributed' then 'unknown_lsoa'
            when lancashire_districts.lad_code is null then 'outside_lancashire'
        end as reason

    from street_records

    left join lancashire_districts
        on street_records.lad_code = lancashire_districts.lad_code

),

final as (

    select
        month,
        force,
        reason,
        count(*) as n_rows,
        count(*) filter (where not is_asb) as n_crime_rows,
        count(*) filter (where is_asb) as n_asb_rows

    from classified

    where reason is not null

    group by month, force, reason

)

select * from final
