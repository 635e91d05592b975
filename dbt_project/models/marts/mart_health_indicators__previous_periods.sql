{{ config(materialized='view') }}

-- Step of mart_health_indicators__periods: for every overall figure of
-- mart_health_indicators__intervals, the period before it (same indicator, area, sex, age and
-- grain, of the same length within 3 days, starting earlier: the latest such) and that period's
-- figure and interval, for the change judgement.
with

intervals as (

    select * from {{ ref('mart_health_indicators__intervals') }}

),

final as (

    select
        latest.fingertips_indicator_id,
        latest.area_code,
        latest.sex,
        latest.age,
        latest.period_start,
        latest.period_end,
        latest.period_grain,
        earlier.time_period,
        earlier.value,
        earlier.lower_ci_95,
        earlier.upper_ci_95,
        earlier.numerator_count,
        earlier.judged_by,
        earlier.judge_lower,
        earlier.judge_upper

    from intervals as latest

    inner join intervals as earlier
        on
            latest.fingertips_indicator_id = earlier.fingertips_indicator_id
            and latest.area_code = earlier.area_code
            and latest.sex = earlier.sex
            and latest.age = earlier.age
            and latest.period_grain = earlier.period_grain
            and latest.period_start > earlier.period_start
            and datediff('day', earlier.period_start, earlier.period_end)
            between datediff('day', latest.period_start, latest.period_end) - 3
            and datediff('day', latest.period_start, latest.period_end) + 3

    qualify row_number() over (
            partition by
                latest.fingertips_indicator_id,
                latest.area_code,
                latest.sex,
                latest.age,
                latest.period_start,
                latest.period_end,
                latest.period_grain
            order by earlier.period_start desc
        ) = 1

)

select * from final
