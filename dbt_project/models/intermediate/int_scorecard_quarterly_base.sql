{{ config(materialized='table') }}

-- The windows behind the quarterly scorecard, for every indicator, reporting area and complete
-- financial quarter: the quarter's value, the same quarter a year before, the 12 months ending
-- at the quarter end and the 12 months before those, the population and rate per 1,000, and the
-- rank among the 14 districts and unitaries. The significance test and RAG status are added by
-- the Python model mart_scorecard_quarterly.
with

monthly as (

    select * from {{ ref('mart_indicator_monthly') }}

),

months as (

    select * from {{ ref('dim_month') }}

),

catalogue as (

    select * from {{ ref('indicator_catalogue') }}

),

areas as (

    select * from {{ ref('dim_area') }}

),

population as (

    select * from {{ ref('int_population_area_year') }}

),

quarters as (

    select
        monthly.indicator_id,
        monthly.area_code,
        months.financial_year,
        months.fy_quarter,
        months.quarter_end_month,
        sum(monthly.value) as value,
        count(*) as months_in_quarter

    from monthly

    inner join months
        on monthly.month = months.month

    group by
        monthly.indicator_id,
        monthly.area_code,
        months.financial_year,
        months.fy_quarter,
        months.quarter_end_month

    having count(*) = 3

),

rolling_windows as (

    select
        quarters.indicator_id,
        quarters.area_code,
        quarters.quarter_end_month,
        sum(
            case when monthly.month > quarters.quarter_end_month - interval 12 month then monthly.value end
        ) as rolling_12m_sum,
        count(
            case when monthly.month > quarters.quarter_end_month - interval 12 month then 1 end
        ) as rolling_12m_months,
        sum(
            case when monthly.month <= quarters.quarter_end_month - interval 12 month then monthly.value end
        ) as rolling_12m_previous_sum,
        count(
            case when monthly.month <= quarters.quarter_end_month - interval 12 month then 1 end
        ) as rolling_12m_previous_months

    from quarters

    inner join monthly
        on
            quarters.indicator_id = monthly.indicator_id
            and quarters.area_code = monthly.area_code
            and quarters.quarter_end_month - interval 24 month < monthly.month
            and quarters.quarter_end_month >= monthly.month

    group by quarters.indicator_id, quarters.area_code, quarters.quarter_end_month

),

quarter_populations as (

    -- the population of the quarter end's calendar year, or the latest earlier year available
    select
        quarters.indicator_id,
        quarters.area_code,
        quarters.quarter_end_month,
        population.population,
        population.population_year,
        population.population_source

    from quarters

    inner join population
        on
            quarters.area_code = population.area_code
            and population.population_year <= year(quarters.quarter_end_month)

    qualify
        row_number() over (
            partition by quarters.indicator_id, quarters.area_code, quarters.quarter_end_month
            order by population.population_year desc
        ) = 1

),

joined as (

    select
        quarters.indicator_id,
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
        quarters.area_code,
        areas.area_name,
        areas.area_type,
        quarters.financial_year,
        quarters.fy_quarter,
        quarters.quarter_end_month,
        quarters.value,
        last_year.value as value_same_quarter_last_year,
        case
            when rolling_windows.rolling_12m_months = 12 then rolling_windows.rolling_12m_sum
        end as rolling_12m,
        case
            when rolling_windows.rolling_12m_previous_months = 12 then rolling_windows.rolling_12m_previous_sum
        end as rolling_12m_previous,
        quarter_populations.population,
        quarter_populations.population_year,
        quarter_populations.population_source

    from quarters

    inner join catalogue
        on quarters.indicator_id = catalogue.indicator_id

    inner join areas
        on quarters.area_code = areas.area_code

    left join quarters as last_year
        on
            quarters.indicator_id = last_year.indicator_id
            and quarters.area_code = last_year.area_code
            and last_year.quarter_end_month = quarters.quarter_end_month - interval 12 month

    left join rolling_windows
        on
            quarters.indicator_id = rolling_windows.indicator_id
            and quarters.area_code = rolling_windows.area_code
            and quarters.quarter_end_month = rolling_windows.quarter_end_month

    left join quarter_populations
        on
            quarters.indicator_id = quarter_populations.indicator_id
            and quarters.area_code = quarter_populations.area_code
            and quarters.quarter_end_month = quarter_populations.quarter_end_month

),

rates as (

    select
        *,
        case
            when value_same_quarter_last_year > 0
                then 100.0 * (value - value_same_quarter_last_year) / value_same_quarter_last_year
        end as pct_change,
        case
            when population > 0 then 1000.0 * rolling_12m / population
        end as rate_per_1000,
        case
            when population > 0 then rate_per * rolling_12m / population
        end as rate

    from joined

),

final as (

    select
        *,
        case
            when area_type in ('district', 'unitary') and rate_per_1000 is not null
                then
                    rank() over (
                        partition by
                            indicator_id,
                            quarter_end_month,
                            area_type in ('district', 'unitary') and rate_per_1000 is not null
                        order by rate_per_1000 desc
                    )
        end as district_rank

    from rates

)

select * from final
