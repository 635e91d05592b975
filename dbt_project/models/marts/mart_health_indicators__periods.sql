-- Every published period of the Board's OHID Fingertips indicators (seed fingertips_indicators,
-- is_selected) for the partnership's areas (seed lancashire_areas) and England (E92000001), one row
-- per indicator x area x sex x age x period (overall figures, no category), each judged as
-- mart_health_indicators judges the latest: against the previous period of the same grain and
-- length, and against England's figure for the same period, by the overlap of the 95% intervals
-- of mart_health_indicators__intervals (published, else from the count):
--
-- * change (this period against the previous): intervals that do not overlap mean a significant
--   change, improved or worsened by the indicator's polarity; overlapping: no significant change;
-- * position against England: the area's interval above, overlapping or below England's
--   (better / similar / worse by polarity).
--
-- `recency` = 1 for the latest period of an indicator x area x sex x age (mart_health_indicators);
-- `change_direction` and `england_direction` are the raw outcomes (higher / lower / overlap) before
-- polarity. mart_health_indicators (the latest period) and the scorecard (the latest period as at
-- each quarter, mart_scorecard_quarterly__health_values) both read this model: one implementation.
with

intervals as (

    select * from {{ ref('mart_health_indicators__intervals') }}

),

indicators as (

    select * from {{ ref('fingertips_indicators') }}

    where is_selected

),

areas as (

    select
        area_code,
        area_name,
        area_type

    from {{ ref('lancashire_areas') }}

    union all

    select
        'E92000001' as area_code,
        'England' as area_name,
        'england' as area_type

),

ranked as (

    select
        intervals.*,
        row_number() over (
            partition by intervals.fingertips_indicator_id, intervals.area_code, intervals.sex, intervals.age
            order by intervals.period_end desc, intervals.period_start desc
        ) as recency

    from intervals

    inner join indicators
        on intervals.fingertips_indicator_id = indicators.fingertips_indicator_id

    inner join areas
        on intervals.area_code = areas.area_code

),

latest as (

    -- every period (the name kept from the mart: each period is judged as if it were the latest)
    select * from ranked

),

previous as (

    -- the period before each (same grain and length, starting earlier)
    select * from {{ ref('mart_health_indicators__previous_periods') }}

),

england as (

    select * from intervals
    where area_code = 'E92000001'

),

compared as (

    select
        latest.*,
        previous.time_period as previous_time_period,
        previous.value as previous_value,
        previous.lower_ci_95 as previous_lower_ci_95,
        previous.upper_ci_95 as previous_upper_ci_95,
        previous.numerator_count as previous_numerator_count,
        england.value as england_value,
        england.lower_ci_95 as england_lower_ci_95,
        england.upper_ci_95 as england_upper_ci_95,
        case
            when latest.judge_lower is null or previous.judge_lower is null then null
            when latest.judge_lower > previous.judge_upper then 'higher'
            when latest.judge_upper < previous.judge_lower then 'lower'
            else 'overlap'
        end as change_direction,
        case
            when latest.judge_lower is null or previous.judge_lower is null then null
            when latest.judged_by = previous.judged_by then latest.judged_by
            else 'count (Poisson 95% CI)'
        end as change_judged_by,
        case
            when latest.area_code = 'E92000001' then null
            when latest.judge_lower is null or england.judge_lower is null then null
            when latest.judge_lower > england.judge_upper then 'higher'
            when latest.judge_upper < england.judge_lower then 'lower'
            else 'overlap'
        end as england_direction,
        case
            when latest.area_code = 'E92000001' or latest.judge_lower is null or england.judge_lower is null
                then null
            when latest.judged_by = england.judged_by then latest.judged_by
            else 'count (Poisson 95% CI)'
        end as england_judged_by

    from latest

    left join previous
        on
            latest.fingertips_indicator_id = previous.fingertips_indicator_id
            and latest.area_code = previous.area_code
            and latest.sex = previous.sex
            and latest.age = previous.age
            and latest.period_start = previous.period_start
            and latest.period_end = previous.period_end
            and latest.period_grain = previous.period_grain

    left join england
        on
            latest.fingertips_indicator_id = england.fingertips_indicator_id
            and latest.sex = england.sex
            and latest.age = england.age
            and latest.period_start = england.period_start
            and latest.period_end = england.period_end
            and latest.period_grain = england.period_grain

),

final as (

    select
        compared.fingertips_indicator_id,
        indicators.indicator_name,
        compared.indicator_name as published_indicator_name,
        coalesce(lower(trim(compared.indicator_name)) = lower(trim(indicators.indicator_name)), false)
            as name_matches_seed,
        indicators.id_verified,
        indicators.key_issue,
        indicators.theme,
        indicators.priority,
        indicators.polarity,
        indicators.unit,
        compared.area_code,
        areas.area_name,
        areas.area_type,
        compared.sex,
        compared.age,
        (
            coalesce(indicators.headline_sex, '') in ('', compared.sex)
            and coalesce(indicators.headline_age, '') in ('', compared.age)
        ) as is_headline,
        compared.time_period,
        compared.period_start,
        compared.period_end,
        compared.period_grain,
        compared.value,
        compared.lower_ci_95,
        compared.upper_ci_95,
        compared.lower_ci_99_8,
        compared.upper_ci_99_8,
        compared.numerator_count,
        compared.denominator,
        compared.value_note,
        compared.previous_time_period,
        compared.previous_value,
        compared.previous_lower_ci_95,
        compared.previous_upper_ci_95,
        compared.previous_numerator_count,
        case
            when compared.change_direction is null then 'not comparable'
            when compared.change_direction = 'overlap' then 'no significant change'
            when (compared.change_direction = 'lower') = (indicators.polarity = 'lower_is_better') then 'improved'
            else 'worsened'
        end as change_status,
        compared.change_judged_by,
        compared.england_value,
        compared.england_lower_ci_95,
        compared.england_upper_ci_95,
        case
            when compared.area_code = 'E92000001' then 'comparator'
            when compared.england_direction is null then 'not compared'
            when compared.england_direction = 'overlap' then 'similar'
            when (compared.england_direction = 'lower') = (indicators.polarity = 'lower_is_better') then 'better'
            else 'worse'
        end as england_comparison,
        compared.england_judged_by,
        compared.compared_to_england as published_compared_to_england,
        indicators.source_note,
        'OHID Fingertips' as source_system,
        compared.source_file,
        compared.source_row,
        compared.recency,
        compared.change_direction,
        compared.england_direction

    from compared

    inner join indicators
        on compared.fingertips_indicator_id = indicators.fingertips_indicator_id

    inner join areas
        on compared.area_code = areas.area_code

)

select * from final
