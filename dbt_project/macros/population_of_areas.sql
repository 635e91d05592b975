{#
    population_of_areas(members, n_members, population_source): the population of areas made of
    districts, from int_population_district_year (a CTE named district_population in the calling
    model): per area and year the sum of its member districts' populations, only for years where
    every member district has one, so that an area is never rated on part of its residents.
    `members` is a relation or CTE with area_code, area_type, lad_code and the area's number of
    member districts in column `n_members`; `population_source` is the SQL of the area's
    population_source (an aggregate over district_population.population_source); with_n_districts
    adds the area's number of member districts.
    Read by int_population_area_year (reporting areas) and int_population_comparison_area_year
    (districts, CSPs and force areas of relative position).
#}
{% macro population_of_areas(members, n_members, population_source, with_n_districts=false) -%}
    select
        area_code,
        area_type,
        population_year,
        population,
        population_source{{ ',\n        n_districts' if with_n_districts }}

    from (

        select
            {{ members }}.area_code,
            {{ members }}.area_type,
            district_population.population_year,
            cast(sum(district_population.population) as bigint) as population,
            count(*) as n_districts_with_population,
            max({{ members }}.{{ n_members }}) as n_districts,
            {{ population_source }} as population_source

        from {{ members }}

        inner join district_population
            on {{ members }}.lad_code = district_population.lad_code

        group by {{ members }}.area_code, {{ members }}.area_type, district_population.population_year

    ) as area_population

    where n_districts_with_population = n_districts
{%- endmacro %}
