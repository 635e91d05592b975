{{ config(materialized='view') }}

-- Step of mart_scorecard_quarterly (read by mart_scorecard_quarterly__base): the windows of the
-- count indicators, for every reporting area and financial quarter from the indicator's first
-- complete quarter (an indicator with none: the latest quarter) to the latest complete quarter of
-- any indicator, so a quarter its feed has not (fully) covered is a row too: `not_received`,
-- value null. A quarter is complete when mart_indicator_monthly has its 3 months; its value is
-- their sum when all 3 are available, else it takes their status (quarantined before
-- not_received). The windows: the same quarter a year before, the 12 months ending at the quarter
-- end and the 12 months before those, each null when a month of it has no value.
with

monthly as (

    select * from {{ ref('mart_indicator_monthly') }}

),

months as (

    select * from {{ ref('dim_month') }}

),

catalogue as (

    -- counts and ratios; the published values (survey, Fingertips) are mart_scorecard_quarterly__published_values
    select * from {{ ref('indicator_catalogue') }}

    where source_model not in {{ published_value_models_sql() }}

),

areas as (

    select * from {{ ref('dim_area') }}

),

count_monthly as (

    select monthly.*

    from monthly

    inner join catalogue
        on monthly.indicator_id = catalogue.indicator_id

    where catalogue.numerator_id is null

),

quarters as (

    -- complete quarters (all 3 months in the grid); the value only when all 3 are available
    select
        count_monthly.indicator_id,
        count_monthly.area_code,
        months.financial_year,
        months.fy_quarter,
        months.quarter_end_month,
        case when count(count_monthly.value) = 3 then sum(count_monthly.value) end as value,
        count(*) as months_in_quarter,
        case
            when count(count_monthly.value) = 3 then 'available'
            else
                arg_min(
                    count_monthly.value_status,
                    (
                        case count_monthly.value_status when 'quarantined' then 1 when 'not_received' then 2 else 3 end
                    ) * 100000 + (count_monthly.month - date '2000-01-01')
                ) filter (where count_monthly.value_status != 'available')
        end as value_status,
        case
            when count(count_monthly.value) < 3
                then
                    arg_min(
                        count_monthly.value_status_reason,
                        -- the most telling status, then the earliest month: one answer every build
                        (
                            case count_monthly.value_status
                                when 'quarantined' then 1 when 'not_received' then 2 else 3
                            end
                        ) * 100000 + (count_monthly.month - date '2000-01-01')
                    ) filter (where count_monthly.value_status != 'available')
        end as value_status_reason

    from count_monthly

    inner join months
        on count_monthly.month = months.month

    group by
        count_monthly.indicator_id,
        count_monthly.area_code,
        months.financial_year,
        months.fy_quarter,
        months.quarter_end_month

    having count(*) = 3

),

latest_quarter as (

    select max(quarter_end_month) as quarter_end_month

    from quarters

),

scorecard_quarters as (

    -- every financial quarter up to the latest complete quarter of any indicator
    select distinct
        months.financial_year,
        months.fy_quarter,
        months.quarter_end_month

    from months

    inner join latest_quarter
        on months.quarter_end_month <= latest_quarter.quarter_end_month

),

count_catalogue as (

    select * from catalogue

    where numerator_id is null

),

reporting_areas as (

    select distinct area_code

    from monthly

),

-- each count indicator from its first complete quarter (the latest when it has none yet), every area
grid as (

    {{ scorecard_grid('count_catalogue', 'quarters', 'scorecard_quarters', 'latest_quarter', 'reporting_areas') }}

),

rolling_windows as (

    -- the windows' sums, and how many of their months have a value
    select
        grid.indicator_id,
        grid.area_code,
        grid.quarter_end_month,
        sum(
            case when monthly.month > grid.quarter_end_month - interval 12 month then monthly.value end
        ) as rolling_12m_sum,
        count(
            case when monthly.month > grid.quarter_end_month - interval 12 month then monthly.value end
        ) as rolling_12m_months,
        sum(
            case when monthly.month <= grid.quarter_end_month - interval 12 month then monthly.value end
        ) as rolling_12m_previous_sum,
        count(
            case when monthly.month <= grid.quarter_end_month - interval 12 month then monthly.value end
        ) as rolling_12m_previous_months

    from grid

    inner join monthly
        on
            grid.indicator_id = monthly.indicator_id
            and grid.area_code = monthly.area_code
            and grid.quarter_end_month - interval 24 month < monthly.month
            and grid.quarter_end_month >= monthly.month

    group by grid.indicator_id, grid.area_code, grid.quarter_end_month

),

final as (

    select
        grid.indicator_id,
        catalogue.indicator_name,
        catalogue.key_issue,
        catalogue.theme,
        catalogue.priority,
        catalogue.source_system,
        catalogue.unit,
        catalogue.polarity,
        catalogue.is_additive,
        catalogue.population_group,
        catalogue.rate_per,
        grid.area_code,
        areas.area_name,
        areas.area_type,
        grid.financial_year,
        grid.fy_quarter,
        grid.quarter_end_month,
        quarters.value,
        last_year.value as value_same_quarter_last_year,
        case
            when rolling_windows.rolling_12m_months = 12 then rolling_windows.rolling_12m_sum
        end as rolling_12m,
        case
            when rolling_windows.rolling_12m_previous_months = 12 then rolling_windows.rolling_12m_previous_sum
        end as rolling_12m_previous,
        coalesce(quarters.value_status, 'not_received') as value_status,
        case
            when quarters.indicator_id is null
                then
                    'no ' || catalogue.source_system || ' data for the whole of '
                    || grid.financial_year || ' Q' || grid.fy_quarter
            else quarters.value_status_reason
        end as value_status_reason

    from grid

    inner join catalogue
        on grid.indicator_id = catalogue.indicator_id

    inner join areas
        on grid.area_code = areas.area_code

    left join quarters
        on
            grid.indicator_id = quarters.indicator_id
            and grid.area_code = quarters.area_code
            and grid.quarter_end_month = quarters.quarter_end_month

    left join quarters as last_year
        on
            grid.indicator_id = last_year.indicator_id
            and grid.area_code = last_year.area_code
            and last_year.quarter_end_month = grid.quarter_end_month - interval 12 month

    left join rolling_windows
        on
            grid.indicator_id = rolling_windows.indicator_id
            and grid.area_code = rolling_windows.area_code
            and grid.quarter_end_month = rolling_windows.quarter_end_month

)

select * from final
