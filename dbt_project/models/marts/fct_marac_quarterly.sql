-- One row per MARAC area and financial quarter, with the district the area reports for
-- (var('marac_areas'), a setting). `month` is the quarter's last month: quarterly returns enter
-- the monthly indicator mart on that month (the quarter's other two months hold 0), so a
-- financial quarter's sum is the quarter's return and a rolling 12 months is four returns.
with

returns as (

    select * from {{ ref('stg_marac__returns') }}

),

marac_areas as (

    {{ marac_area_districts() }}

),

areas as (

    select * from {{ ref('lancashire_areas') }}

),

final as (

    select
        returns.marac_area,
        marac_areas.lad_code,
        areas.area_name as lad_name,
        returns.quarter,
        returns.financial_year,
        returns.fy_quarter,
        returns.quarter_start,
        returns.quarter_end_month as month,
        returns.cases_discussed,
        returns.repeat_cases,
        returns.children_in_households,
        returns.referrals_police,
        returns.referrals_idva,
        returns.referrals_health,
        returns.referrals_childrens_services,
        returns.referrals_other,
        returns.cases_bme,
        returns.cases_disabled,
        returns.cases_lgbt,
        returns.cases_male,
        returns.cases_aged_16_17,
        returns.source_file,
        returns.source_row

    from returns

    left join marac_areas
        on returns.marac_area = marac_areas.marac_area

    left join areas
        on marac_areas.lad_code = areas.area_code

)

select * from final
