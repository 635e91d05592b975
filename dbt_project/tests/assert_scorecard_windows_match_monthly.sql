{{ config(meta={'dagster': {'ref': {'name': 'mart_scorecard_quarterly'}}}) }}
-- The scorecard's quarter, same quarter last year and rolling 12-month values are sums of
-- mart_indicator_monthly over the right months, and are null exactly when a month is missing or
-- its value is not available (value_status).
with

scorecard as (

    select * from {{ ref('mart_scorecard_quarterly') }}

),

monthly as (

    select * from {{ ref('mart_indicator_monthly') }}

    -- ratio indicators are not sums (assert_ratio_indicators_match_components checks them)
    where indicator_id in (
            select catalogue.indicator_id
            from {{ ref('indicator_catalogue') }} as catalogue
            where catalogue.numerator_id is null
        )

),

window_months as (

    -- each scorecard row with the 24 months up to its quarter end, numbered back from it
    select
        scorecard.indicator_id,
        scorecard.area_code,
        scorecard.quarter_end_month,
        monthly.value as month_value,
        date_diff('month', monthly.month, scorecard.quarter_end_month) as months_back

    from scorecard

    inner join monthly
        on
            scorecard.indicator_id = monthly.indicator_id
            and scorecard.area_code = monthly.area_code

    where date_diff('month', monthly.month, scorecard.quarter_end_month) between 0 and 23

),

recounted as (

    select
        indicator_id,
        area_code,
        quarter_end_month,
        sum(month_value) filter (where months_back between 0 and 2) as quarter_value,
        count(month_value) filter (where months_back between 0 and 2) as quarter_months,
        sum(month_value) filter (where months_back between 12 and 14) as last_year_value,
        count(month_value) filter (where months_back between 12 and 14) as last_year_months,
        sum(month_value) filter (where months_back between 0 and 11) as rolling_value,
        count(month_value) filter (where months_back between 0 and 11) as rolling_months,
        sum(month_value) filter (where months_back between 12 and 23) as previous_value,
        count(month_value) filter (where months_back between 12 and 23) as previous_months

    from window_months

    group by indicator_id, area_code, quarter_end_month

),

compared as (

    select
        scorecard.indicator_id,
        scorecard.area_code,
        scorecard.quarter_end_month,
        scorecard.value,
        recounted.quarter_value,
        recounted.quarter_months,
        scorecard.value_same_quarter_last_year,
        recounted.last_year_value,
        recounted.last_year_months,
        scorecard.rolling_12m,
        recounted.rolling_value,
        recounted.rolling_months,
        scorecard.rolling_12m_previous,
        recounted.previous_value,
        recounted.previous_months

    from scorecard

    inner join recounted
        on
            scorecard.indicator_id = recounted.indicator_id
            and scorecard.area_code = recounted.area_code
            and scorecard.quarter_end_month = recounted.quarter_end_month

),

final as (

    select *

    from compared

    where
        abs(value - quarter_value) > 1e-9
        or (quarter_months = 3) != (value is not null)
        or (last_year_months = 3) != (value_same_quarter_last_year is not null)
        or abs(value_same_quarter_last_year - last_year_value) > 1e-9
        or (rolling_months = 12) != (rolling_12m is not null)
        or abs(rolling_12m - rolling_value) > 1e-9
        or (previous_months = 12) != (rolling_12m_previous is not null)
        or abs(rolling_12m_previous - previous_value) > 1e-9

)

select * from final
