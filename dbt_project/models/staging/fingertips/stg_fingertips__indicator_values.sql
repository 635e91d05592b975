-- Each Fingertips figure (indicator x area x sex x age x category x period) from the most
-- recently received loaded export that carries it: a revision replaces the earlier figure for
-- its key only. Categories are '' for the area's overall figure, so the key has no nulls.
with

source as (

    select * from {{ source('raw', 'fingertips') }}

),

loaded_files as (

    {{ loaded_files('fingertips') }}

),

latest as (

    select
        source.*,
        loaded_files.received_at

    from source

    inner join loaded_files
        on source.source_file = loaded_files.source_file

    qualify
        row_number() over (
            partition by
                source.indicator_id,
                source.area_code,
                source.sex,
                source.age,
                coalesce(source.category_type, ''),
                coalesce(source.category, ''),
                source.period_start,
                source.period_end,
                source.period_grain
            order by loaded_files.received_at desc, source.source_file desc, source.source_row desc
        ) = 1

),

final as (

    select
        indicator_id as fingertips_indicator_id,
        indicator_name,
        parent_code,
        parent_name,
        area_code,
        area_name,
        area_type,
        sex,
        age,
        coalesce(category_type, '') as category_type,
        coalesce(category, '') as category,
        time_period,
        period_start,
        period_end,
        period_grain,
        value,
        lower_ci_95,
        upper_ci_95,
        lower_ci_99_8,
        upper_ci_99_8,
        numerator_count,
        denominator,
        value_note,
        recent_trend,
        compared_to_england,
        compared_to_region,
        received_at,
        source_file,
        source_row

    from latest

)

select * from final
