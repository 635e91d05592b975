-- The latest complete reporting period, one row per kind: the one place the rule is written
-- (warehouse.scorecard.latest_complete_quarter and reporting.periods.latest_complete_year read it,
-- and through them the default period of the quarterly report and of the annual update).
-- Feeds arrive at different lags (police.uk about two months, STATS19 a year or more), so the
-- latest quarter of *any* indicator may hold only road safety, and the latest of *every* indicator
-- would be a year old. A period is complete for at least half of the catalogue: of the indicators
-- with a value somewhere in the scorecard mart (a feed that has sent nothing, rows not received,
-- does not count), twice those with a value in the period reach that number.
--   quarter: indicators with a value in the financial-year quarter (the mart holds complete
--     quarters only). If no quarter reaches half, the latest quarter of any indicator is listed
--     with is_complete false.
--   financial_year: indicators with a value in all four quarters of the year; no row until a year
--     reaches half.
-- Indicators whose source has not reached the period are absent from its outputs (the notes say so).
with

scorecard as (

    select * from {{ ref('mart_scorecard_quarterly') }}

    where value is not null

),

catalogue as (

    -- indicators with a value somewhere
    select count(distinct indicator_id) as indicators_with_value

    from scorecard

),

per_quarter as (

    select
        financial_year,
        fy_quarter,
        count(distinct indicator_id) as indicators_complete

    from scorecard

    group by financial_year, fy_quarter

),

indicator_years as (

    -- an indicator's year is complete with a value in all four of its quarters
    select
        indicator_id,
        financial_year

    from scorecard

    group by indicator_id, financial_year

    having count(distinct fy_quarter) = 4

),

per_year as (

    select
        financial_year,
        cast(null as integer) as fy_quarter,
        count(*) as indicators_complete

    from indicator_years

    group by financial_year

),

quarters as (

    select
        'quarter' as period_kind,
        per_quarter.financial_year,
        per_quarter.fy_quarter,
        per_quarter.indicators_complete,
        catalogue.indicators_with_value,
        2 * per_quarter.indicators_complete >= catalogue.indicators_with_value as is_complete

    from per_quarter

    cross join catalogue

),

years as (

    select
        'financial_year' as period_kind,
        per_year.financial_year,
        per_year.fy_quarter,
        per_year.indicators_complete,
        catalogue.indicators_with_value,
        2 * per_year.indicators_complete >= catalogue.indicators_with_value as is_complete

    from per_year

    cross join catalogue

),

candidates as (

    select * from quarters

    union all

    select * from years

    where is_complete

),

final as (

    select
        period_kind,
        financial_year,
        fy_quarter,
        indicators_complete,
        indicators_with_value,
        is_complete

    from candidates

    qualify
        row_number() over (
            partition by period_kind
            order by is_complete desc, financial_year desc, fy_quarter desc nulls last
        ) = 1

)

select * from final
