-- One row per OHID Fingertips indicator x area x sex x age x category x period, as published
-- (the latest export of each): value, 95% and 99.8% confidence limits, count, denominator and
-- value note, with the period's start, end and grain. `is_selected`: the indicator is one the
-- Board reports (seed fingertips_indicators). Traced by source_file / source_row.
with

indicator_values as (

    select * from {{ ref('stg_fingertips__indicator_values') }}

),

indicators as (

    select * from {{ ref('fingertips_indicators') }}

),

final as (

    select
        indicator_values.fingertips_indicator_id,
        indicator_values.indicator_name,
        indicator_values.area_code,
        indicator_values.area_name,
        indicator_values.area_type,
        indicator_values.parent_code,
        indicator_values.sex,
        indicator_values.age,
        indicator_values.category_type,
        indicator_values.category,
        indicator_values.time_period,
        indicator_values.period_start,
        indicator_values.period_end,
        indicator_values.period_grain,
        indicator_values.value,
        indicator_values.lower_ci_95,
        indicator_values.upper_ci_95,
        indicator_values.lower_ci_99_8,
        indicator_values.upper_ci_99_8,
        indicator_values.numerator_count,
        indicator_values.denominator,
        indicator_values.value_note,
        indicator_values.recent_trend,
        indicator_values.compared_to_england,
        indicator_values.compared_to_region,
        'OHID Fingertips' as source_system,
        indicator_values.value is null as is_suppressed,
        coalesce(indicators.is_selected, false) as is_selected,
        indicator_values.source_file,
        indicator_values.source_row

    from indicator_values

    left join indicators
        on indicator_values.fingertips_indicator_id = indicators.fingertips_indicator_id

)

select * from final
