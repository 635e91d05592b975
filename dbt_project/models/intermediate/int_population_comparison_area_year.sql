-- Mid-year resident population of every comparison area (district, CSP, police force area of
-- int_comparison_area_districts) and year: the sum of its member districts' populations
-- (int_population_district_year: LAD estimate, else the sum of the LSOAs), only for years where
-- every member district has one, so that an area is never rated on part of its residents.
with

area_districts as (

    select * from {{ ref('int_comparison_area_districts') }}

),

district_population as (

    select * from {{ ref('int_population_district_year') }}

),

area_population as (

    select
        area_districts.area_code,
        area_districts.area_type,
        district_population.population_year,
        cast(sum(district_population.population) as bigint) as population,
        count(*) as n_districts_with_population,
        max(area_districts.n_districts) as n_districts,
        string_agg(distinct district_population.population_source, '+' order by district_population.population_source)
            as population_source

    from area_districts

    inner join district_population
        on area_districts.lad_code = district_population.lad_code

    group by area_districts.area_code, area_districts.area_type, district_population.population_year

),

final as (

    select
        area_code,
        area_type,
        population_year,
        population,
        population_source,
        n_districts

    from area_population

    where n_districts_with_population = n_districts

)

select * from final
