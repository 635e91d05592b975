{{ config(meta={'dagster': {'ref': {'name': 'district_hex_positions'}}}) }}
-- The dashboard's tile map has exactly one hexagon for each of the 14 districts and unitary
-- councils of lancashire_areas, and none for anything else (the county, the force area).
with

districts as (

    select area_code from {{ ref('lancashire_areas') }}

    where area_type in ('district', 'unitary')

),

hexes as (

    select area_code from {{ ref('district_hex_positions') }}

)

select 'no hexagon' as problem, area_code from districts
where area_code not in (select area_code from hexes)

union all

select 'not a district or unitary' as problem, area_code from hexes
where area_code not in (select area_code from districts)
