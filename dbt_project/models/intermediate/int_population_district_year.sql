-- Mid-year resident population of every local authority district (and unitary) and year: its own
-- LAD-level estimate when one is loaded for the year, else the sum of its LSOAs' estimates
-- (LSOAs mapped to districts through the LSOA lookups: int_lsoa_districts_resolved). The one
-- home of that rule: int_population_area_year (the partnership's areas) and
-- int_population_comparison_area_year (every CSP and police force area) read it.
with

population as (

    select * from {{ ref('stg_ons__population') }}

),

lsoa_districts as (

    select * from {{ ref('int_lsoa_districts_resolved') }}

),

all_persons as (

    select *

    from population

    where sex = 'all' and age_band = 'all'

),

lad_estimates as (

    -- district-level files also carry counties, regions and nations: districts and unitaries only
    select
        population_year,
        area_code as lad_code,
        population,
        'lad_estimate' as population_source,
        1 as source_priority

    from all_persons

    where
        geography = 'lad'
        and regexp_full_match(area_code, '(E0[6-9]|W06)\d{6}')

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

    where all_persons.geography = 'lsoa'

    group by all_persons.population_year, lsoa_districts.lad_code

),

candidates as (

    select * from lad_estimates
    union all
    select * from lsoa_sums

),

final as (

    select
        population_year,
        lad_code,
        population,
        population_source

    from candidates

    qualify
        row_number() over (
            partition by population_year, lad_code
            order by source_priority asc
        ) = 1

)

select * from final
