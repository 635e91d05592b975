-- Mid-year resident population of every reporting area and year. A district's population is
-- its own LAD-level estimate when one is loaded for the year, else the sum of its LSOAs (mapped
-- through the LSOA lookups): int_population_district_year, the one home of that rule; an aggregate
-- (Lancashire-12, Lancashire-14, a cluster) is the sum of its member districts, and only for years
-- where every member has a population.
with

district_population as (

    select * from {{ ref('int_population_district_year') }}

),

area_members as (

    select * from {{ ref('int_area_district_members') }}

),

area_population as (

    select
        area_members.area_code,
        area_members.area_type,
        district_population.population_year,
        cast(sum(district_population.population) as bigint) as population,
        count(*) as n_members_with_population,
        max(area_members.n_members) as n_members,
        case
            when area_members.area_type in ('district', 'unitary')
                then max(district_population.population_source)
            else 'sum_of_districts'
        end as population_source

    from area_members

    inner join district_population
        on area_members.lad_code = district_population.lad_code

    group by area_members.area_code, area_members.area_type, district_population.population_year

),

final as (

    select
        area_code,
        area_type,
        population_year,
        population,
        population_source

    from area_population

    where n_members_with_population = n_members

)

select * from final
