-- Mid-year resident population of every comparison area (district, CSP, police force area of
-- int_comparison_area_districts) and year: the sum of its member districts' populations
-- (int_population_district_year: LAD estimate, else the sum of the LSOAs), only for years where
-- every member district has one, so that an area is never rated on part of its residents (macro
-- population_of_areas, shared with the reporting areas).
with

area_districts as (

    select * from {{ ref('int_comparison_area_districts') }}

),

district_population as (

    select * from {{ ref('int_population_district_year') }}

),

final as (

    {{ population_of_areas(
        'area_districts', 'n_districts',
        "string_agg(distinct district_population.population_source, '+'"
        ~ " order by district_population.population_source)",
        with_n_districts=true
    ) }}

)

select * from final
