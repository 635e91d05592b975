-- Calendar months with their financial year (April to March) and quarter (Q1 = Apr-Jun), from
-- December 2010 (the first police.uk month) to December 2030, stretched to cover the data.
with

street_records as (

    select * from {{ ref('stg_police__street_records') }}

),

collisions as (

    select * from {{ ref('stg_stats19__collisions') }}

),

data_months as (

    select month from street_records
    union all
    select month from collisions

),

month_range as (

    select
        least(date '2010-12-01', min(month)) as first_month,
        greatest(date '2030-12-01', max(month)) as last_month

    from data_months

),

months as (

    select cast(month_series.month_start as date) as month

    from month_range

    cross join
        generate_series(
            cast(month_range.first_month as timestamp),
            cast(month_range.last_month as timestamp),
            interval 1 month
        ) as month_series (month_start)

),

calendar as (

    select
        month,
        year(month) as calendar_year,
        month(month) as calendar_month,
        case when month(month) >= 4 then year(month) else year(month) - 1 end as financial_year_start

    from months

),

final as (

    select
        month,
        calendar_year,
        calendar_month,
        financial_year_start,
        financial_year_start || '/' || right(cast(financial_year_start + 1 as varchar), 2) as financial_year,
        (calendar_month + 8) % 12 + 1 as fy_month,
        ((calendar_month + 8) % 12) // 3 + 1 as fy_quarter,
        cast(
            date_trunc('quarter', month) + interval 2 month as date
        ) as quarter_end_month,
        strftime(month, '%b %Y') as month_label,
        financial_year_start || '/' || right(cast(financial_year_start + 1 as varchar), 2)
        || ' Q' || cast(((calendar_month + 8) % 12) // 3 + 1 as varchar) as fy_quarter_label

    from calendar

)

select * from final
