{{ config(materialized='view') }}

-- Step of mart_scorecard_quarterly__published_values: the OHID Fingertips rows of the scorecard
-- (mart_scorecard_quarterly__published_grid, dim_indicator value_kind published_figure). As at
-- each quarter, the latest period published that ended by the quarter's end (`period_label`, of
-- the headline sex and age: mart_health_indicators__periods), shown as published: value, 95% CI,
-- count, denominator; `suppressed` (OHID's value note as the reason) when OHID gives no value;
-- `not_received` when no period has ended yet or OHID publishes none for the area (clusters).
-- Change (against the previous period) and position against England are judged by CI overlap:
-- change_outcome improved / worsened / no significant change; against_benchmark below / within /
-- above England's interval.
with

catalogue as (

    select * from {{ ref('dim_indicator') }}

    where value_kind = 'published_figure'

),

grid as (

    select * from {{ ref('mart_scorecard_quarterly__published_grid') }}

),

health as (

    select * from {{ ref('mart_health_indicators__periods') }}

    where is_headline

),

health_indicator_periods as (

    select
        catalogue.indicator_id,
        health.*

    from health

    inner join catalogue
        on health.fingertips_indicator_id = catalogue.fingertips_indicator_id

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

final as (

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

)

select * from final
