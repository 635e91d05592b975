{{ config(materialized='view') }}

-- Step of mart_scorecard_quarterly__published_values: the residents' survey rows of the scorecard
-- (mart_scorecard_quarterly__published_grid, dim_indicator value_kind survey_estimate). A wave
-- belongs to the financial quarter of its last month (the latest wave ending in the quarter, if
-- several). value = the weighted %, with its 95% Wilson interval, unweighted and effective
-- respondents; `small_base` when fewer than the minimum answered (the mart's suppression_reason),
-- `not_received` when no wave ended in the quarter. The change from the previous wave is the
-- mart's z test on the effective sizes; change_outcome improved / worsened by polarity.
with

catalogue as (

    select * from {{ ref('dim_indicator') }}

    where value_kind = 'survey_estimate'

),

grid as (

    select * from {{ ref('mart_scorecard_quarterly__published_grid') }}

),

survey as (

    select * from {{ ref('mart_survey_indicators') }}

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

final as (

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

)

select * from final
