{#
    scorecard_grid(indicators, figure_quarters, scorecard_quarters, latest_quarter, reporting_areas):
    the rows the scorecard lists, written once for counted and published indicators alike. Each
    indicator (a relation or CTE with `indicator_id`) runs from its first quarter with a figure
    (`figure_quarters`: indicator_id, quarter_end_month) -- or from the latest quarter when it has
    none yet -- to the last of `scorecard_quarters` (financial_year, fy_quarter, quarter_end_month),
    in every one of `reporting_areas` (its columns are kept). A feed late or missing is so listed
    for every quarter it should cover, where value_status can say why.
#}
{% macro scorecard_grid(indicators, figure_quarters, scorecard_quarters, latest_quarter, reporting_areas) -%}
    select
        first_quarters.indicator_id,
        {{ reporting_areas }}.*,
        {{ scorecard_quarters }}.financial_year,
        {{ scorecard_quarters }}.fy_quarter,
        {{ scorecard_quarters }}.quarter_end_month

    from (

        select
            {{ indicators }}.indicator_id,
            coalesce(min({{ figure_quarters }}.quarter_end_month), any_value({{ latest_quarter }}.quarter_end_month))
                as first_quarter_end_month

        from {{ indicators }}

        cross join {{ latest_quarter }}

        left join {{ figure_quarters }}
            on {{ indicators }}.indicator_id = {{ figure_quarters }}.indicator_id

        group by {{ indicators }}.indicator_id

    ) as first_quarters

    inner join {{ scorecard_quarters }}
        on first_quarters.first_quarter_end_month <= {{ scorecard_quarters }}.quarter_end_month

    cross join {{ reporting_areas }}
{%- endmacro %}
