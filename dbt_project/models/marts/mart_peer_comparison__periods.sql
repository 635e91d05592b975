{{ config(materialized='view') }}

-- Step of mart_peer_comparison (read by mart_peer_comparison__member_periods): the periods peers
-- are compared over, from dim_month's financial calendar: each financial quarter, the rolling 12
-- months to each quarter end and each financial year, lying wholly within the months any force's
-- police.uk street data is loaded for (int_police_uk_force_months).
with

calendar as (

    select * from {{ ref('dim_month') }}

),

force_months as (

    select * from {{ ref('int_police_uk_force_months') }}

),

loaded_span as (

    select
        min(month) as first_month,
        max(month) as last_month

    from force_months

),

quarters as (

    select distinct
        financial_year,
        financial_year_start,
        fy_quarter,
        fy_quarter_label,
        quarter_end_month

    from calendar

),

candidate_periods as (

    select
        'quarter' as period_type,
        fy_quarter_label as period_label,
        financial_year,
        fy_quarter,
        cast(quarter_end_month - interval 2 month as date) as period_start_month,
        quarter_end_month as period_end_month,
        3 as months_in_period

    from quarters

    union all

    select
        'rolling_12m' as period_type,
        '12 months to ' || fy_quarter_label as period_label,
        financial_year,
        fy_quarter,
        cast(quarter_end_month - interval 11 month as date) as period_start_month,
        quarter_end_month as period_end_month,
        12 as months_in_period

    from quarters

    union all

    select
        'financial_year' as period_type,
        financial_year as period_label,
        financial_year,
        cast(null as integer) as fy_quarter,
        cast(make_date(financial_year_start, 4, 1) as date) as period_start_month,
        quarter_end_month as period_end_month,
        12 as months_in_period

    from quarters

    where fy_quarter = 4

),

periods as (

    select candidate_periods.*

    from candidate_periods

    cross join loaded_span

    where
        candidate_periods.period_start_month >= loaded_span.first_month
        and candidate_periods.period_end_month <= loaded_span.last_month

),

final as (

    select * from periods

)

select * from final
