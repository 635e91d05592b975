{{ config(meta={'dagster': {'ref': {'name': 'mart_scorecard_quarterly'}}}) }}
-- A ratio indicator's monthly value is ratio_scale x numerator / denominator of its two
-- component indicators in the same area and month, and its scorecard rolling 12 months the same
-- ratio of their rolling 12 months.
with

catalogue as (

    select * from {{ ref('indicator_catalogue') }}

    where numerator_id is not null

),

monthly as (

    select * from {{ ref('mart_indicator_monthly') }}

),

scorecard as (

    select * from {{ ref('mart_scorecard_quarterly') }}

),

monthly_mismatches as (

    select
        ratios.indicator_id,
        ratios.area_code,
        ratios.month,
        ratios.value,
        numerators.value as numerator,
        denominators.value as denominator

    from catalogue

    inner join monthly as ratios
        on catalogue.indicator_id = ratios.indicator_id

    inner join monthly as numerators
        on
            catalogue.numerator_id = numerators.indicator_id
            and ratios.area_code = numerators.area_code
            and ratios.month = numerators.month

    inner join monthly as denominators
        on
            catalogue.denominator_id = denominators.indicator_id
            and ratios.area_code = denominators.area_code
            and ratios.month = denominators.month

    where
        (denominators.value > 0) != (ratios.value is not null)
        or abs(ratios.value - catalogue.ratio_scale * numerators.value / denominators.value) > 1e-9

),

scorecard_mismatches as (

    select
        ratios.indicator_id,
        ratios.area_code,
        ratios.quarter_end_month as month,
        ratios.rolling_12m as value,
        numerators.rolling_12m as numerator,
        denominators.rolling_12m as denominator

    from catalogue

    inner join scorecard as ratios
        on catalogue.indicator_id = ratios.indicator_id

    inner join scorecard as numerators
        on
            catalogue.numerator_id = numerators.indicator_id
            and ratios.area_code = numerators.area_code
            and ratios.quarter_end_month = numerators.quarter_end_month

    inner join scorecard as denominators
        on
            catalogue.denominator_id = denominators.indicator_id
            and ratios.area_code = denominators.area_code
            and ratios.quarter_end_month = denominators.quarter_end_month

    where abs(ratios.rolling_12m - catalogue.ratio_scale * numerators.rolling_12m / denominators.rolling_12m) > 1e-9

),

final as (

    select * from monthly_mismatches
    union all
    select * from scorecard_mismatches

)

select * from final
