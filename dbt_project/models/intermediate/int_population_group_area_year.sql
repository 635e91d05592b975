-- Population of every reporting area, year and population group: the denominators of rates.
-- 'all residents' is int_population_area_year unchanged (the all-ages population feed); every
-- other group of the population_groups seed (adult females 16+, residents aged 15-25, ...) is
-- summed from the ONS estimates by sex and single year of age, per district, and an aggregate
-- area (Lancashire-12, Lancashire-14, a cluster) is the sum of its members, only in a year where
-- every member has the group's population.
with

all_residents as (

    select * from {{ ref('int_population_area_year') }}

),

sex_age as (

    select * from {{ ref('stg_ons__population_sex_age') }}

),

population_groups as (

    select * from {{ ref('population_groups') }}

),

area_members as (

    select * from {{ ref('int_area_district_members') }}

),

district_groups as (

    select
        population_groups.population_group,
        sex_age.population_year,
        sex_age.area_code as lad_code,
        cast(sum(sex_age.population) as bigint) as population

    from sex_age

    inner join population_groups
        on
            (sex_age.sex = population_groups.sex or population_groups.sex = 'all')
            and sex_age.age between population_groups.min_age and population_groups.max_age

    group by population_groups.population_group, sex_age.population_year, sex_age.area_code

),

area_groups as (

    select
        district_groups.population_group,
        area_members.area_code,
        area_members.area_type,
        district_groups.population_year,
        cast(sum(district_groups.population) as bigint) as population,
        count(*) as n_members_with_population,
        max(area_members.n_members) as n_members

    from area_members

    inner join district_groups
        on area_members.lad_code = district_groups.lad_code

    group by
        district_groups.population_group,
        area_members.area_code,
        area_members.area_type,
        district_groups.population_year

),

final as (

    select
        'all residents' as population_group,
        area_code,
        area_type,
        population_year,
        population,
        population_source

    from all_residents

    union all

    select
        population_group,
        area_code,
        area_type,
        population_year,
        population,
        case
            when area_type in ('district', 'unitary') then 'sex_age_estimate'
            else 'sum_of_districts'
        end as population_source

    from area_groups

    where n_members_with_population = n_members

)

select * from final
