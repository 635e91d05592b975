{{ config(materialized='view') }}

-- Step of mart_scorecard_quarterly__published_values: the scorecard rows of the indicators that
-- are not counts (dim_indicator value_kind survey_estimate and published_figure), one per
-- indicator x reporting area x quarter of the scorecard (mart_scorecard_quarterly__base), from the
-- indicator's first quarter with a figure (the latest quarter when it has none) to the latest
-- quarter. A residents' survey wave belongs to the financial quarter of its last month; an OHID
-- Fingertips period (headline sex and age) to every quarter ending after it did.
with

catalogue as (

    select * from {{ ref('dim_indicator') }}

    where value_kind in ('survey_estimate', 'published_figure')

),

base as (

    select * from {{ ref('mart_scorecard_quarterly__base') }}

),

survey as (

    select * from {{ ref('mart_survey_indicators') }}

),

health as (

    select * from {{ ref('mart_health_indicators__periods') }}

    where is_headline

),

scorecard_quarters as (

    select distinct
        financial_year,
        fy_quarter,
        quarter_end_month

    from base

),

reporting_areas as (

    select distinct
        area_code,
        area_name,
        area_type

    from base

),

-- the quarters each indicator has a figure in (any area)
figure_quarters as (

    select
        survey.indicator_id,
        scorecard_quarters.quarter_end_month

    from survey

    inner join scorecard_quarters
        on
            survey.financial_year = scorecard_quarters.financial_year
            and survey.fy_quarter = scorecard_quarters.fy_quarter

    union all

    select
        catalogue.indicator_id,
        scorecard_quarters.quarter_end_month

    from health

    inner join catalogue
        on health.fingertips_indicator_id = catalogue.fingertips_indicator_id

    inner join scorecard_quarters
        on health.period_end < scorecard_quarters.quarter_end_month + interval 1 month

),

latest_quarter as (

    select max(quarter_end_month) as quarter_end_month

    from scorecard_quarters

),

-- each indicator from its first quarter with a figure (the latest when it has none), every area
final as (

    {{ scorecard_grid('catalogue', 'figure_quarters', 'scorecard_quarters', 'latest_quarter', 'reporting_areas') }}

)

select * from final
