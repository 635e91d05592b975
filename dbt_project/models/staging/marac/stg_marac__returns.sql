-- Each MARAC area's quarter from the most recently received loaded file that carries it.
with

source as (

    {{ latest_loaded_file_rows(source('raw', 'marac_returns'), ['quarter', 'marac_area']) }}

),

final as (

    select
        marac_area,
        quarter,
        financial_year,
        fy_quarter,
        quarter_start,
        quarter_end_month,
        cases_discussed,
        repeat_cases,
        children_in_households,
        referrals_police,
        referrals_idva,
        referrals_health,
        referrals_childrens_services,
        referrals_other,
        cases_bme,
        cases_disabled,
        cases_lgbt,
        cases_male,
        cases_aged_16_17,
        source_file,
        source_row

    from source

)

select * from final
