-- Each survey wave's responses from the most recently received loaded file that carries it.
with

source as (

    {{ latest_loaded_file_rows(source('raw', 'residents_survey'), ['wave']) }}

),

final as (

    select
        respondent_reference,
        wave,
        wave_label,
        wave_kind,
        wave_start,
        wave_end_month,
        lad_code,
        age_band,
        sex,
        weight,
        safe_day,
        safe_after_dark,
        agencies_deal,
        source_file,
        source_row

    from source

)

select * from final
