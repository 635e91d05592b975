{{ config(materialized='table') }}
{%- set rag_colours = var('rag') %}

-- The scorecard rows of the indicators that are not counts of events (dim_indicator value_kind
-- survey_estimate and published_figure): one row per indicator x reporting area x quarter of the
-- scorecard, from the indicator's first quarter with a figure (the latest quarter when it has
-- none) to the latest quarter, with the columns of int_scorecard_quarterly_base (rolling windows,
-- population and rates null: these values have none) and the test and RAG already made, since
-- each source judges change its own way. mart_scorecard_quarterly appends them to the counts.
--
-- * Residents' survey (mart_survey_indicators): a wave belongs to the financial quarter of its
--   last month (the latest wave ending in the quarter, if several). value = the weighted %, with
--   its 95% Wilson interval, unweighted and effective respondents; `small_base` when fewer than
--   the minimum answered (the mart's suppression_reason), `not_received` when no wave ended in
--   the quarter. The change from the previous wave is the mart's z test on the effective sizes.
-- * OHID Fingertips (int_health_indicator_periods, headline sex and age): as at each quarter, the
--   latest period published that ended by the quarter's end (`period_label`), shown as published:
--   value, 95% CI, count, denominator; `suppressed` (OHID's value note as the reason) when OHID
--   gives no value; `not_received` when no period has ended yet or OHID publishes none for the
--   area (clusters). Change (against the previous period) and position against England are
--   judged by CI overlap: RAG green / red / amber for improved / worsened / no significant change;
--   against_benchmark below / within / above England's interval.
with

catalogue as (

    select * from {{ ref('dim_indicator') }}

    where value_kind in ('survey_estimate', 'published_figure')

),

base as (

    select * from {{ ref('int_scorecard_quarterly_base') }}

),

survey as (

    select * from {{ ref('mart_survey_indicators') }}

),

health as (

    select * from {{ ref('int_health_indicator_periods') }}

    where is_headline

),

scorecard_quarters as (

    select distinct
        financial_year,
        fy_quarter,
        quarter_end_month

    from base

),

reporting_areas as (

    select distinct
        area_code,
        area_name,
        area_type

    from base

),

-- the latest wave ending in each quarter, per indicator and area
survey_quarters as (

    select
        survey.*,
        previous.wave_label as previous_wave_label

    from survey

    left join survey as previous
        on
            survey.indicator_id = previous.indicator_id
            and survey.area_code = previous.area_code
            and survey.previous_wave = previous.wave

    qualify row_number() over (
            partition by survey.indicator_id, survey.area_code, survey.financial_year, survey.fy_quarter
            order by survey.wave_end_month desc, survey.wave_start desc, survey.wave desc
        ) = 1

),

health_indicator_periods as (

    select
        catalogue.indicator_id,
        health.*

    from health

    inner join catalogue
        on health.fingertips_indicator_id = catalogue.fingertips_indicator_id

),

-- the quarters each indicator has a figure in (any area)
figure_quarters as (

    select
        survey_quarters.indicator_id,
        scorecard_quarters.quarter_end_month

    from survey_quarters

    inner join scorecard_quarters
        on
            survey_quarters.financial_year = scorecard_quarters.financial_year
            and survey_quarters.fy_quarter = scorecard_quarters.fy_quarter

    union all

    select
        health_indicator_periods.indicator_id,
        scorecard_quarters.quarter_end_month

    from health_indicator_periods

    inner join scorecard_quarters
        on health_indicator_periods.period_end < scorecard_quarters.quarter_end_month + interval 1 month

),

latest_quarter as (

    select max(quarter_end_month) as quarter_end_month

    from scorecard_quarters

),

-- each indicator from its first quarter with a figure (the latest when it has none), every area
grid as (

    {{ scorecard_grid('catalogue', 'figure_quarters', 'scorecard_quarters', 'latest_quarter', 'reporting_areas') }}

),

-- Fingertips: the latest period ended by each quarter's end, per indicator and area
health_as_at as (

    select
        grid.indicator_id,
        grid.area_code,
        grid.quarter_end_month,
        health_indicator_periods.time_period,
        health_indicator_periods.period_start,
        health_indicator_periods.period_end,
        health_indicator_periods.sex,
        health_indicator_periods.age,
        health_indicator_periods.value,
        health_indicator_periods.lower_ci_95,
        health_indicator_periods.upper_ci_95,
        health_indicator_periods.numerator_count,
        health_indicator_periods.denominator,
        health_indicator_periods.value_note,
        health_indicator_periods.previous_time_period,
        health_indicator_periods.previous_value,
        health_indicator_periods.change_status,
        health_indicator_periods.change_direction,
        health_indicator_periods.england_lower_ci_95,
        health_indicator_periods.england_upper_ci_95,
        health_indicator_periods.england_direction,
        health_indicator_periods.source_system

    from grid

    inner join health_indicator_periods
        on
            grid.indicator_id = health_indicator_periods.indicator_id
            and grid.area_code = health_indicator_periods.area_code
            and health_indicator_periods.period_end < grid.quarter_end_month + interval 1 month

    qualify row_number() over (
            partition by grid.indicator_id, grid.area_code, grid.quarter_end_month
            order by
                health_indicator_periods.period_end desc,
                health_indicator_periods.period_start desc,
                health_indicator_periods.sex asc,
                health_indicator_periods.age asc
        ) = 1

),

survey_rows as (

    select
        grid.*,
        case
            when survey_quarters.indicator_id is null then 'not_received'
            when survey_quarters.is_published then 'available'
            else 'small_base'
        end as value_status,
        case
            when survey_quarters.indicator_id is null
                then 'no residents_survey wave ended in ' || grid.financial_year || ' Q' || grid.fy_quarter
            when not survey_quarters.is_published then survey_quarters.suppression_reason
        end as value_status_reason,
        case when survey_quarters.is_published then survey_quarters.value_pct end as value,
        survey_quarters.wave_label as period_label,
        survey_quarters.ci_low_pct as lower_ci,
        survey_quarters.ci_high_pct as upper_ci,
        cast(null as double) as numerator_count,
        cast(null as double) as denominator_count,
        survey_quarters.n_unweighted,
        survey_quarters.n_effective,
        survey_quarters.previous_wave_label as previous_period_label,
        survey_quarters.previous_value_pct as previous_value,
        survey_quarters.change_pp as change_from_previous,
        survey_quarters.p_value,
        survey_quarters.significant_change,
        case
            when survey_quarters.significant_change is null then null
            when survey_quarters.change_pp > 0 then 'up'
            when survey_quarters.change_pp < 0 then 'down'
            else 'no change'
        end as direction,
        case
            when survey_quarters.significant_change is null then null
            when not survey_quarters.significant_change then 'no significant change'
            when (survey_quarters.change_pp > 0) = (catalogue.polarity = 'higher_is_better') then 'improved'
            else 'worsened'
        end as change_outcome,
        cast(null as double) as benchmark_low,
        cast(null as double) as benchmark_high,
        cast(null as varchar) as benchmark_compare,
        cast(null as varchar) as against_benchmark,
        'Residents'' survey (Lancashire Talking panel), weighted estimate' as value_source

    from grid

    inner join catalogue
        on grid.indicator_id = catalogue.indicator_id

    left join survey_quarters
        on
            grid.indicator_id = survey_quarters.indicator_id
            and grid.area_code = survey_quarters.area_code
            and grid.financial_year = survey_quarters.financial_year
            and grid.fy_quarter = survey_quarters.fy_quarter

    where catalogue.value_kind = 'survey_estimate'

),

health_rows as (

    select
        grid.*,
        case
            when health_as_at.indicator_id is null then 'not_received'
            when health_as_at.value is null then 'suppressed'
            else 'available'
        end as value_status,
        case
            when not grid.area_code in (select health_areas.area_code from health_indicator_periods as health_areas)
                then 'OHID Fingertips publishes no figure for ' || grid.area_name
            when health_as_at.indicator_id is null
                then
                    'no OHID Fingertips figure for the area published for a period ended by '
                    || grid.financial_year || ' Q' || grid.fy_quarter
            when health_as_at.value is null
                then
                    'OHID suppressed ' || health_as_at.time_period || ': '
                    || coalesce(nullif(trim(health_as_at.value_note), ''), 'no value published')
        end as value_status_reason,
        health_as_at.value,
        health_as_at.time_period as period_label,
        health_as_at.lower_ci_95 as lower_ci,
        health_as_at.upper_ci_95 as upper_ci,
        cast(health_as_at.numerator_count as double) as numerator_count,
        cast(health_as_at.denominator as double) as denominator_count,
        cast(null as integer) as n_unweighted,
        cast(null as double) as n_effective,
        health_as_at.previous_time_period as previous_period_label,
        health_as_at.previous_value,
        health_as_at.value - health_as_at.previous_value as change_from_previous,
        cast(null as double) as p_value,
        case
            when health_as_at.value is null then null
            when health_as_at.change_status in ('improved', 'worsened') then true
            when health_as_at.change_status = 'no significant change' then false
        end as significant_change,
        case
            when health_as_at.value is null or health_as_at.change_direction is null then null
            when health_as_at.value > health_as_at.previous_value then 'up'
            when health_as_at.value < health_as_at.previous_value then 'down'
            else 'no change'
        end as direction,
        case
            when health_as_at.value is not null and health_as_at.change_status != 'not comparable'
                then health_as_at.change_status
        end as change_outcome,
        health_as_at.england_lower_ci_95 as benchmark_low,
        health_as_at.england_upper_ci_95 as benchmark_high,
        case when health_as_at.england_direction is not null then 'england_ci' end as benchmark_compare,
        case health_as_at.england_direction
            when 'higher' then 'above'
            when 'lower' then 'below'
            when 'overlap' then 'within'
        end as against_benchmark,
        health_as_at.source_system as value_source

    from grid

    inner join catalogue
        on grid.indicator_id = catalogue.indicator_id

    left join health_as_at
        on
            grid.indicator_id = health_as_at.indicator_id
            and grid.area_code = health_as_at.area_code
            and grid.quarter_end_month = health_as_at.quarter_end_month

    where catalogue.value_kind = 'published_figure'

),

published as (

    select * from survey_rows

    union all by name

    select * from health_rows

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
