{{ config(materialized='table') }}
{%- set rag_colours = var('rag') %}

-- The scorecard rows of the indicators that are not counts (dim_indicator value_kind
-- survey_estimate and published_figure): one row per indicator x reporting area x quarter of the
-- scorecard (mart_scorecard_quarterly__published_grid), with the columns of
-- mart_scorecard_quarterly__base (rolling windows, population and rates null: these values have
-- none) and the test and RAG already made, since each source judges change its own way:
-- mart_scorecard_quarterly__survey_values (residents' survey: the wave-on-wave z test) and
-- mart_scorecard_quarterly__health_values (OHID Fingertips: CI overlap, against England).
-- mart_scorecard_quarterly appends them to the counts.
with

catalogue as (

    select * from {{ ref('dim_indicator') }}

    where value_kind in ('survey_estimate', 'published_figure')

),

published as (

    select * from {{ ref('mart_scorecard_quarterly__survey_values') }}

    union all by name

    select * from {{ ref('mart_scorecard_quarterly__health_values') }}

),

final as (

    select
        published.indicator_id,
        catalogue.indicator_name,
        catalogue.key_issue,
        catalogue.theme,
        catalogue.priority,
        catalogue.source_system,
        catalogue.unit,
        catalogue.polarity,
        catalogue.is_additive,
        published.area_code,
        published.area_name,
        published.area_type,
        published.financial_year,
        published.fy_quarter,
        published.quarter_end_month,
        cast(published.value as double) as value,
        published.value_status,
        published.value_status_reason,
        cast(last_year.value as double) as value_same_quarter_last_year,
        cast(null as double) as pct_change,
        cast(null as double) as rolling_12m,
        cast(null as double) as rolling_12m_previous,
        cast(null as bigint) as population,
        cast(null as integer) as population_year,
        cast(null as varchar) as population_source,
        cast(null as double) as rate_per_1000,
        cast(null as varchar) as population_group,
        cast(null as integer) as rate_per,
        cast(null as double) as rate,
        cast(published.p_value as double) as p_value,
        published.significant_change,
        published.direction,
        case published.change_outcome
            when 'improved' then '{{ rag_colours["significant_improvement"] }}'  -- noqa: LT05
            when 'worsened' then '{{ rag_colours["significant_deterioration"] }}'  -- noqa: LT05
            when 'no significant change' then '{{ rag_colours["no_significant_change"] }}'  -- noqa: LT05
        end as rag,
        cast(null as bigint) as district_rank,
        false as is_ratio,
        catalogue.significance_test,
        cast(null as double) as numerator_rolling_12m,
        cast(null as double) as denominator_rolling_12m,
        catalogue.price_year,
        cast(published.benchmark_low as double) as benchmark_low,
        cast(published.benchmark_high as double) as benchmark_high,
        published.benchmark_compare,
        published.against_benchmark,
        catalogue.value_kind,
        published.value_source,
        published.period_label,
        cast(published.lower_ci as double) as lower_ci,
        cast(published.upper_ci as double) as upper_ci,
        published.numerator_count,
        published.denominator_count,
        cast(published.n_unweighted as integer) as n_unweighted,
        cast(published.n_effective as double) as n_effective,
        published.previous_period_label,
        cast(published.previous_value as double) as previous_value,
        cast(published.change_from_previous as double) as change_from_previous

    from published

    inner join catalogue
        on published.indicator_id = catalogue.indicator_id

    left join published as last_year
        on
            published.indicator_id = last_year.indicator_id
            and published.area_code = last_year.area_code
            and last_year.quarter_end_month = published.quarter_end_month - interval 12 month

)

select * from final
