{{ config(materialized='table') }}

-- The windows behind the quarterly scorecard, for every indicator, reporting area and complete
-- financial quarter: the quarter's value, the same quarter a year before, the 12 months ending
-- at the quarter end and the 12 months before those, the population and rate per 1,000, and the
-- rank among the 14 districts and unitaries. The significance test and RAG status are added by
-- the Python model mart_scorecard_quarterly.
--
-- The population is that of the indicator's population_group (all residents, adult females
-- 16+, residents aged 15-25, ...), and `rate` is rate_per x rolling_12m / population (MARAC:
-- per 10,000 adult females). Ratio indicators (catalogue numerator_id) are not sums: every
-- window is ratio_scale x (numerator's window) / (denominator's window), with no population or
-- rate. A benchmark (catalogue benchmark_key -> [benchmarks] settings) is compared with the
-- rolling 12-month rate or value: below, within or above.
--
-- value_status says whether `value` is known. Every indicator is listed for every reporting area
-- and every quarter from its first complete quarter (an indicator with none: the latest quarter)
-- to the latest complete quarter of any indicator, so a quarter its feed has not (fully) covered
-- is a row too: `not_received`, value null. A quarter whose months are not available in
-- mart_indicator_monthly (a MARAC return not received or quarantined) takes their status; a
-- ratio, its components' status or `no_denominator`. A window with a month not available is null.
with

monthly as (

    select * from {{ ref('mart_indicator_monthly') }}

),

months as (

    select * from {{ ref('dim_month') }}

),

catalogue as (

    -- counts and ratios; the published values (survey, Fingertips) are int_scorecard_published_values
    select * from {{ ref('indicator_catalogue') }}

    where source_model not in {{ published_value_models_sql() }}

),

areas as (

    select * from {{ ref('dim_area') }}

),

population as (

    select * from {{ ref('int_population_group_area_year') }}

),

benchmarks as (

    {{ benchmark_settings() }}

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
                    case count_monthly.value_status when 'quarantined' then 1 when 'not_received' then 2 else 3 end
                ) filter (where count_monthly.value_status != 'available')
        end as value_status,
        case
            when count(count_monthly.value) < 3
                then
                    arg_min(
                        count_monthly.value_status_reason,
                        case count_monthly.value_status when 'quarantined' then 1 when 'not_received' then 2 else 3 end
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

    inner join count_monthly as monthly
        on
            grid.indicator_id = monthly.indicator_id
            and grid.area_code = monthly.area_code
            and grid.quarter_end_month - interval 24 month < monthly.month
            and grid.quarter_end_month >= monthly.month

    group by grid.indicator_id, grid.area_code, grid.quarter_end_month

),

quarter_populations as (

    -- the population of the quarter end's calendar year, or the latest earlier year available
    select
        grid.indicator_id,
        grid.area_code,
        grid.quarter_end_month,
        population.population,
        population.population_year,
        population.population_source

    from grid

    inner join catalogue
        on grid.indicator_id = catalogue.indicator_id

    inner join population
        on
            grid.area_code = population.area_code
            and catalogue.population_group = population.population_group
            and population.population_year <= year(grid.quarter_end_month)

    qualify
        row_number() over (
            partition by grid.indicator_id, grid.area_code, grid.quarter_end_month
            order by population.population_year desc
        ) = 1

),

count_windows as (

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
        quarter_populations.population,
        quarter_populations.population_year,
        quarter_populations.population_source,
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

    left join quarter_populations
        on
            grid.indicator_id = quarter_populations.indicator_id
            and grid.area_code = quarter_populations.area_code
            and grid.quarter_end_month = quarter_populations.quarter_end_month

),

ratio_windows as (

    select
        ratio_catalogue.indicator_id,
        numerators.area_code,
        numerators.area_name,
        numerators.area_type,
        numerators.financial_year,
        numerators.fy_quarter,
        numerators.quarter_end_month,
        {{ ratio_of('numerators.value', 'denominators.value', 'ratio_catalogue.ratio_scale') }} as value,
        {{ ratio_of(
            'numerators.value_same_quarter_last_year',
            'denominators.value_same_quarter_last_year',
            'ratio_catalogue.ratio_scale',
        ) }} as value_same_quarter_last_year,
        {{ ratio_of('numerators.rolling_12m', 'denominators.rolling_12m', 'ratio_catalogue.ratio_scale') }}
            as rolling_12m,
        {{ ratio_of(
            'numerators.rolling_12m_previous', 'denominators.rolling_12m_previous', 'ratio_catalogue.ratio_scale'
        ) }} as rolling_12m_previous,
        numerators.rolling_12m as numerator_rolling_12m,
        denominators.rolling_12m as denominator_rolling_12m,
        {{ ratio_value_status('numerators.value_status', 'denominators.value_status', 'denominators.value') }}
            as value_status,
        {{ ratio_value_status_reason(
            'numerators.value_status',
            'numerators.value_status_reason',
            'denominators.value_status',
            'denominators.value_status_reason',
            'denominators.value',
            'ratio_catalogue.denominator_id',
        ) }} as value_status_reason

    from catalogue as ratio_catalogue

    inner join count_windows as numerators
        on ratio_catalogue.numerator_id = numerators.indicator_id

    left join count_windows as denominators
        on
            ratio_catalogue.denominator_id = denominators.indicator_id
            and numerators.area_code = denominators.area_code
            and numerators.quarter_end_month = denominators.quarter_end_month

),

ratios as (

    select
        ratio_windows.indicator_id,
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
        ratio_windows.area_code,
        ratio_windows.area_name,
        ratio_windows.area_type,
        ratio_windows.financial_year,
        ratio_windows.fy_quarter,
        ratio_windows.quarter_end_month,
        ratio_windows.value,
        ratio_windows.value_same_quarter_last_year,
        ratio_windows.rolling_12m,
        ratio_windows.rolling_12m_previous,
        cast(null as bigint) as population,
        cast(null as integer) as population_year,
        cast(null as varchar) as population_source,
        ratio_windows.value_status,
        ratio_windows.value_status_reason,
        ratio_windows.numerator_rolling_12m,
        ratio_windows.denominator_rolling_12m

    from ratio_windows

    inner join catalogue
        on ratio_windows.indicator_id = catalogue.indicator_id

),

joined as (

    select
        *,
        cast(null as double) as numerator_rolling_12m,
        cast(null as double) as denominator_rolling_12m

    from count_windows

    union all

    select * from ratios

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

benchmarked as (

    select
        rates.*,
        catalogue.numerator_id is not null as is_ratio,
        catalogue.significance_test,
        catalogue.price_year,
        benchmarks.benchmark_low,
        benchmarks.benchmark_high,
        benchmarks.benchmark_compare,
        case
            when benchmarks.benchmark_compare = 'rate' then rates.rate
            when benchmarks.benchmark_compare = 'value' then rates.rolling_12m
        end as benchmark_measure

    from rates

    inner join catalogue
        on rates.indicator_id = catalogue.indicator_id

    left join benchmarks
        on catalogue.benchmark_key = benchmarks.benchmark_key

),

final as (

    select
        * exclude (benchmark_measure),
        case
            when benchmark_measure < benchmark_low then 'below'
            when benchmark_measure > benchmark_high then 'above'
            when benchmark_measure is not null then 'within'
        end as against_benchmark,
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

    from benchmarked

)

select * from final
