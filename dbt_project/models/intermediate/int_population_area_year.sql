-- Mid-year resident population of every reporting area and year. A district's population is
-- its own LAD-level estimate when one is loaded for the year, else the sum of its LSOAs (mapped
-- through the LSOA lookups): int_population_district_year, the one home of that rule; an aggregate
-- (Lancashire-12, Lancashire-14, a cluster) is the sum of its member districts, and only for years
-- where every member has a population (macro population_of_areas, shared with the comparison areas).
with

district_population as (

    select * from {{ ref('int_population_district_year') }}

),

area_members as (

    select * from {{ ref('int_area_district_members') }}

),

final as (

    {{ population_of_areas(
        'area_members', 'n_members',
        "case when area_members.area_type in ('district', 'unitary')"
        ~ " then max(district_population.population_source) else 'sum_of_districts' end"
    ) }}

)

select * from final
