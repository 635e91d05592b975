-- The published variables each Community Safety Partnership of England and Wales is compared on
-- to find its most similar CSPs (dim_peer_group: warehouse.peer_statistics.nearest_peers), one
-- row per CSP of the latest loaded LAD -> CSP -> PFA lookup. Each variable is null (missing, and
-- the distance then uses the variables the two CSPs share) where its feed does not cover the CSP:
--
-- * log_population: natural log of the CSP's population in the latest year every member district
--   has one (int_population_comparison_area_year): CSPs range from 25,000 to over 1 million
--   residents, so ratios, not differences, should count;
-- * imd_average_rank: the population-weighted average Index of Multiple Deprivation rank
--   (1 = most deprived) of the CSP's LSOAs that have an IMD rank (stg_ons__lsoa_lookup, the ONS
--   IMD lookup; England only) and a loaded LSOA population (each LSOA's latest year);
-- * share_aged_15_24: the share of residents aged 15 to 24 in the latest year of the
--   population_sex_age feed that covers every member district.
with

area_districts as (

    select * from {{ ref('int_comparison_area_districts') }}

),

area_population as (

    select * from {{ ref('int_population_comparison_area_year') }}

),

lsoa_districts as (

    select * from {{ ref('int_lsoa_districts_resolved') }}

),

lsoa_lookup as (

    select * from {{ ref('stg_ons__lsoa_lookup') }}

),

population as (

    select * from {{ ref('stg_ons__population') }}

),

population_sex_age as (

    select * from {{ ref('stg_ons__population_sex_age') }}

),

csp_districts as (

    select *

    from area_districts

    where area_type = 'csp'

),

csps as (

    select
        area_code as csp_code,
        min(area_name) as csp_name,
        min(pfa_code) as pfa_code,
        count(*) as n_districts

    from csp_districts

    group by area_code

),

csp_population as (

    -- the latest year with a population for the whole CSP
    select
        area_code as csp_code,
        population_year,
        population

    from area_population

    where area_type = 'csp'

    qualify row_number() over (partition by area_code order by population_year desc) = 1

),

lsoa_imd as (

    -- an LSOA's IMD rank (the same in every district vintage of the lookups)
    select
        lsoa_code,
        imd_rank,
        imd_vintage

    from lsoa_lookup

    where imd_rank is not null

    qualify
        row_number() over (
            partition by lsoa_code
            order by imd_vintage desc, lad_vintage desc
        ) = 1

),

lsoa_population as (

    -- each LSOA's latest loaded small-area estimate: the weight of its IMD rank
    select
        area_code as lsoa_code,
        population_year,
        population

    from population

    where geography = 'lsoa' and sex = 'all' and age_band = 'all'

    qualify row_number() over (partition by area_code order by population_year desc) = 1

),

csp_imd as (

    select
        csp_districts.area_code as csp_code,
        sum(lsoa_imd.imd_rank * lsoa_population.population) / sum(lsoa_population.population)
            as imd_average_rank,
        max(lsoa_imd.imd_vintage) as imd_vintage,
        count(*) as imd_lsoas

    from lsoa_imd

    inner join lsoa_population
        on lsoa_imd.lsoa_code = lsoa_population.lsoa_code

    inner join lsoa_districts
        on lsoa_imd.lsoa_code = lsoa_districts.lsoa_code

    inner join csp_districts
        on lsoa_districts.lad_code = csp_districts.lad_code

    where lsoa_population.population > 0

    group by csp_districts.area_code

),

district_ages as (

    select
        population_year,
        area_code as lad_code,
        sum(population) filter (where age between 15 and 24) as aged_15_24,
        sum(population) as all_ages

    from population_sex_age

    group by population_year, area_code

),

csp_ages as (

    -- the latest year covering every member district
    select
        csp_districts.area_code as csp_code,
        district_ages.population_year,
        sum(district_ages.aged_15_24) / sum(district_ages.all_ages) as share_aged_15_24

    from csp_districts

    inner join district_ages
        on csp_districts.lad_code = district_ages.lad_code

    group by csp_districts.area_code, district_ages.population_year

    having count(*) = max(csp_districts.n_districts) and sum(district_ages.all_ages) > 0

    qualify row_number() over (partition by csp_districts.area_code order by district_ages.population_year desc) = 1

),

final as (

    select
        csps.csp_code,
        csps.csp_name,
        csps.pfa_code,
        csps.n_districts,
        csp_population.population,
        csp_population.population_year,
        case when csp_population.population > 0 then ln(csp_population.population) end as log_population,
        csp_imd.imd_average_rank,
        csp_imd.imd_vintage,
        csp_imd.imd_lsoas,
        csp_ages.share_aged_15_24,
        csp_ages.population_year as age_population_year

    from csps

    left join csp_population
        on csps.csp_code = csp_population.csp_code

    left join csp_imd
        on csps.csp_code = csp_imd.csp_code

    left join csp_ages
        on csps.csp_code = csp_ages.csp_code

)

select * from final
