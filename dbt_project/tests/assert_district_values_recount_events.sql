{{ config(meta={'dagster': {'ref': {'name': 'mart_indicator_monthly'}}}) }}
-- Each district's monthly value is the sum of the indicator events attributed to it.
with

monthly as (

    select * from {{ ref('mart_indicator_monthly') }}

    where
        area_type in ('district', 'unitary')
        -- ratio indicators are not sums of events (their components are)
        and indicator_id in (
            select catalogue.indicator_id
            from {{ ref('indicator_catalogue') }} as catalogue
            where catalogue.numerator_id is null
        )

),

events as (

    select
        indicator_id,
        lad_code,
        month,
        sum(value) as value

    from {{ ref('fct_indicator_event') }}

    group by indicator_id, lad_code, month

),

final as (

    select
        monthly.indicator_id,
        monthly.area_code,
        monthly.month,
        monthly.value,
        coalesce(events.value, 0) as events_value

    from monthly

    left join events
        on
            monthly.indicator_id = events.indicator_id
            and monthly.area_code = events.lad_code
            and monthly.month = events.month

    where abs(monthly.value - coalesce(events.value, 0)) > 1e-9

)

select * from final
