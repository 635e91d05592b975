{{ config(materialized='table') }}

-- The windows behind the quarterly scorecard (see its YAML for the rules): the count indicators'
-- (mart_scorecard_quarterly__count_windows) with the population of their population_group and the
-- rate, the ratio indicators' (ratio_scale x numerator's window / denominator's window: no
-- population or rate), the benchmark verdict and the rank among the 14 districts and unitaries.
-- value_status: a count's from its windows; a ratio, its components' status or `no_denominator`.
-- The significance test and RAG status are added by the Python model mart_scorecard_quarterly.
with

count_windows as (

    select * from {{ ref('mart_scorecard_quarterly__count_windows') }}

),

catalogue as (

    -- counts and ratios; the published values (survey, Fingertips) are mart_scorecard_quarterly__published_values
    select * from {{ ref('indicator_catalogue') }}

    where source_model not in {{ published_value_models_sql() }}

),

population as (

    select * from {{ ref('int_population_group_area_year') }}

),

benchmarks as (

    {{ benchmark_settings() }}

),

quarter_populations as (

    -- the population of the quarter end's calendar year, or the latest earlier year available
    select
        count_windows.indicator_id,
        count_windows.area_code,
        count_windows.quarter_end_month,
        population.population,
        population.population_year,
        population.population_source

    from count_windows

    inner join population
        on
            count_windows.area_code = population.area_code
            and count_windows.population_group = population.population_group
            and population.population_year <= year(count_windows.quarter_end_month)

    qualify
        row_number() over (
            partition by count_windows.indicator_id, count_windows.area_code, count_windows.quarter_end_month
            order by population.population_year desc
        ) = 1

),

count_windows_populations as (

    select
        count_windows.* exclude (value_status, value_status_reason),  -- noqa: RF02
        quarter_populations.population,
        quarter_populations.population_year,
        quarter_populations.population_source,
        count_windows.value_status,
        count_windows.value_status_reason

    from count_windows

    left join quarter_populations
        on
            count_windows.indicator_id = quarter_populations.indicator_id
            and count_windows.area_code = quarter_populations.area_code
            and count_windows.quarter_end_month = quarter_populations.quarter_end_month

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

    inner join count_windows_populations as numerators
        on ratio_catalogue.numerator_id = numerators.indicator_id

    left join count_windows_populations as denominators
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

    from count_windows_populations

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
