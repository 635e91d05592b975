{#
    Settings of the restricted feeds as SQL, from the dbt vars the orchestration passes
    (warehouse/default_settings.toml overridden by $CSW_HOME/settings.toml):

    town_centre_lsoas_list(): the quoted LSOA codes of var('town_centre_lsoas') for an `in (...)`
    list ('' when none: `in ('')` then matches nothing).
    marac_area_districts(): one row per configured MARAC area and its district (var('marac_areas')).
    unit_cost_overrides(): one row per cost category whose unit cost a setting overrides.
    benchmark_settings(): one row per benchmark (var('benchmarks')): key, low, high, compare.
#}
{% macro town_centre_lsoas_list() -%}
    {%- set codes = var('town_centre_lsoas') -%}
    {%- if codes | length == 0 -%}
        ''
    {%- else -%}
        {%- for code in codes -%}
            '{{ code }}'{{ ", " if not loop.last }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{% macro marac_area_districts() -%}
    {%- set areas = var('marac_areas') -%}
    {%- if areas | length == 0 -%}
        select
            cast(null as varchar) as marac_area,
            cast(null as varchar) as lad_code
        where false
    {%- else -%}
        select
            marac_areas.marac_area,
            marac_areas.lad_code
        from (
            values
            {%- for area, lad in areas.items() | sort %}
                ('{{ area | replace("'", "''") }}', '{{ lad }}'){{ "," if not loop.last }}
            {%- endfor %}
        ) as marac_areas (marac_area, lad_code)
    {%- endif -%}
{%- endmacro %}

{% macro unit_cost_overrides() -%}
    {%- set overrides = var('crime_unit_cost_overrides') -%}
    {%- if overrides | length == 0 -%}
        select
            cast(null as varchar) as cost_category,
            cast(null as double) as unit_cost_gbp
        where false
    {%- else -%}
        select
            cost_overrides.cost_category,
            cast(cost_overrides.unit_cost_gbp as double) as unit_cost_gbp
        from (
            values
            {%- for category, cost in overrides.items() | sort %}
                ('{{ category }}', {{ cost }}){{ "," if not loop.last }}
            {%- endfor %}
        ) as cost_overrides (cost_category, unit_cost_gbp)
    {%- endif -%}
{%- endmacro %}

{% macro benchmark_settings() -%}
    {%- set benchmarks = var('benchmarks') -%}
    {%- if benchmarks | length == 0 -%}
        select
            cast(null as varchar) as benchmark_key,
            cast(null as double) as benchmark_low,
            cast(null as double) as benchmark_high,
            cast(null as varchar) as benchmark_compare
        where false
    {%- else -%}
        select
            benchmark_values.benchmark_key,
            cast(benchmark_values.benchmark_low as double) as benchmark_low,
            cast(benchmark_values.benchmark_high as double) as benchmark_high,
            benchmark_values.benchmark_compare
        from (
            values
            {%- for key, b in benchmarks.items() | sort %}
                ('{{ key }}', {{ b['low'] }}, {{ b['high'] }}, '{{ b['compare'] }}'){{ "," if not loop.last }}
            {%- endfor %}
        ) as benchmark_values (benchmark_key, benchmark_low, benchmark_high, benchmark_compare)
    {%- endif -%}
{%- endmacro %}
