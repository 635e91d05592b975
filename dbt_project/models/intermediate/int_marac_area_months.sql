-- Each reporting area's MARAC status (int_marac_area_quarters) in each of the three months of
-- every quarter a MARAC return was sent for: the months the MARAC indicators cover, and whether
-- an area's value for the month is known.
with

marac_area_quarters as (

    select * from {{ ref('int_marac_area_quarters') }}

),

final as (

    select
        marac_area_quarters.area_code,
        cast(marac_area_quarters.quarter_start + to_months(quarter_months.month_offset) as date) as month,
        marac_area_quarters.value_status,
        marac_area_quarters.value_status_reason

    from marac_area_quarters

    cross join range(0, 3) as quarter_months (month_offset)

)

select * from final
