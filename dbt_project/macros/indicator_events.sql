{#
    indicator_events(): one select per row of the indicator_catalogue seed, unioned. Each select
    reads the indicator's source model, keeps the rows matching its `filter_sql` and gives each
    the value of its `value_sql`, with the row's provenance (source_file, source_row). The
    catalogue is read at run time (`run_query`), so the catalogue is the only place where an
    indicator is defined.

    in_force_area says whether the row was reported by the partnership's force: police.uk rows
    by `force = var('police_uk_force')`, STATS19 rows by `police_force = var('stats19_police_force')`.
    Only rows that count somewhere are kept: reported by the force, or attributed to one of the
    districts of int_area_district_members (national STATS19 files hold every force's rows).

    Source systems: fct_crime holds police.uk rows and the force extract's rows, fct_domestic_abuse
    the extract's DA crimes and the DA incidents. For these models the catalogue's source_system
    (one system, or several joined by '+') is also a filter, so an indicator counts only the rows
    of the systems it names and no crime is counted twice. The force's own extracts and the MARAC
    returns are all the partnership's force area (in_force_area true), and so are the fire and
    rescue service's incidents (fct_fire_incident: the fire service area is the partnership's).

    Relative position (mart_comparison_area_monthly) needs the same rows for every area of England
    and Wales, whichever force reported them: `indicator_events(source_system='police.uk',
    every_area=true, extra_columns=['force'])` keeps the indicators of that catalogue source_system
    only, drops the "counts somewhere in the partnership" filter and adds the listed columns of the
    source model (`force`: the reporting force's slug). The defaults are fct_indicator_event's.

    Ratio indicators (numerator_id set) have no events of their own: their numerator and
    denominator are indicators of their own, whose events an auditor recounts. Nor have the
    indicators of published_value_models_sql() (survey estimates, OHID Fingertips figures): the
    scorecard takes their values from their source mart (mart_scorecard_quarterly__published_values).
#}
{% macro indicator_events(source_system=none, every_area=false, extra_columns=[]) -%}
    {%- set catalogue = ref('indicator_catalogue') -%}
    {%- set area_members = ref('int_area_district_members') -%}
    {%- set police_in_force = "force = '" ~ var('police_uk_force') ~ "'" -%}
    {%- set in_force_area = {
        'fct_crime': '(' ~ police_in_force ~ " or source_system != 'police.uk')",
        'fct_asb': police_in_force,
        'fct_road_casualty': 'police_force = ' ~ var('stats19_police_force'),
        'fct_domestic_abuse': 'true',
        'fct_marac_quarterly': 'true',
        'fct_fire_incident': 'true',
    } -%}
    {%- set models_with_source_system = ['fct_crime', 'fct_domestic_abuse'] -%}
    {%- set indicators = [] -%}
    {%- if execute -%}
        {%- set catalogue_rows = run_query(
            'select indicator_id, source_model, source_system, filter_sql, value_sql from '
            ~ catalogue ~ ' where numerator_id is null and source_model not in '
            ~ published_value_models_sql()
            ~ ((" and source_system = '" ~ source_system ~ "'") if source_system is not none else '')
            ~ ' order by indicator_id'
        ) -%}
        {%- for row in catalogue_rows.rows -%}
            {%- if row['source_model'] not in in_force_area -%}
                {{ exceptions.raise_compiler_error(
                    'indicator_catalogue: indicator ' ~ row['indicator_id'] ~ ' has source_model '
                    ~ row['source_model'] ~ '; expected one of ' ~ (in_force_area.keys() | list | join(', '))
                ) }}
            {%- endif -%}
            {%- do indicators.append(row) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if indicators | length == 0 %}
        select
            cast(null as varchar) as indicator_id,
            cast(null as date) as month,
            cast(null as varchar) as lad_code,
            cast(null as boolean) as in_force_area,
            cast(null as double) as value,
            cast(null as varchar) as source_model,
            cast(null as varchar) as source_file,
            cast(null as bigint) as source_row
            {%- for column in extra_columns %},
            cast(null as varchar) as {{ column }}
            {%- endfor %}
        where false
    {%- endif %}
    {%- for indicator in indicators %}
        select
            '{{ indicator["indicator_id"] }}' as indicator_id,
            month,
            lad_code,
            coalesce({{ in_force_area[indicator['source_model']] }}, false) as in_force_area,
            cast(({{ indicator['value_sql'] }}) as double) as value,
            '{{ indicator["source_model"] }}' as source_model,
            source_file,
            source_row
            {%- for column in extra_columns %},
            {{ column }}
            {%- endfor %}
        from {{ ref(indicator['source_model']) }}
        where
            ({{ indicator['filter_sql'] }})
            {%- if indicator['source_model'] in models_with_source_system %}
            and source_system in (
                {%- for system in indicator['source_system'].split('+') -%}
                    '{{ system }}'{{ ", " if not loop.last }}
                {%- endfor -%}
            )
            {%- endif %}
            {%- if not every_area %}
            and (
                coalesce({{ in_force_area[indicator['source_model']] }}, false)
                or lad_code in (select member_districts.lad_code from {{ area_members }} as member_districts)
            )
            {%- endif %}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
