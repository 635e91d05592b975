-- Mid-year resident population of every reporting area and year. A district's population is
-- its own LAD-level estimate when one is loaded for the year, else the sum of its LSOAs (mapped
-- through the LSOA lookups); an aggregate (Lancashire-12, Lancashire-14, a cluster) is the sum
-- of its member districts, and only for years where every member has a population.
with

population as (

    select * from {{ ref('stg_ons__population') }}

),

lsoa_districts as (

    select * from {{ ref('int_lsoa_districts_resolved') }}

),

area_members as (

    select * from {{ ref('int_area_district_members') }}

),

districts as (

    select distinct lad_code

    from area_members

    where area_type in ('district', 'unitary')

),

all_persons as (

    select *

    from population

    where sex = 'all' and age_band = 'all'

),

lad_estimates as (

    select
        all_persons.population_year,
        all_persons.area_code as lad_code,
        all_persons.population,
        'lad_estimate' as population_source,
        1 as source_priority

    from all_persons

    inner join districts
        on all_persons.area_code = districts.lad_code

    where all_persons.geography = 'lad'

),

lsoa_sums as (

    select
        all_persons.population_year,
        lsoa_districts.lad_code,
        cast(sum(all_persons.population) as bigint) as population,
        'lsoa_sum' as population_source,
        2 as source_priority

    from all_persons

    inner join lsoa_districts
        on all_persons.area_code = lsoa_districts.lsoa_code

    inner join districts
        on lsoa_districts.lad_code = districts.lad_code

    where all_persons.geography = 'lsoa'

    group by all_persons.population_year, lsoa_districts.lad_code

),

district_population as (

    select *

    from (
        select * from lad_estimates
        union all
        select * from lsoa_sums
    ) as candidates

    qualify
        row_number() over (
            partition by population_year, lad_code
            order by source_priority
        ) = 1

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
