{{ config(meta={'dagster': {'ref': {'name': 'mart_indicator_monthly'}}}) }}
-- all_crime equals the sum of the per-crime-type indicators (every crime type has one).
with

monthly as (

    select * from {{ ref('mart_indicator_monthly') }}

),

crime_types as (

    select * from {{ ref('police_crime_types') }}

    where not is_asb

),

by_type as (

    select
        monthly.area_code,
        monthly.month,
        sum(monthly.value) as value

    from monthly

    inner join crime_types
        on monthly.indicator_id = crime_types.indicator_id

    group by monthly.area_code, monthly.month

),

final as (

    select
        monthly.area_code,
        monthly.month,
        monthly.value as all_crime,
        by_type.value as sum_of_types

    from monthly

    left join by_type
        on
            monthly.area_code = by_type.area_code
            and monthly.month = by_type.month

    where
        monthly.indicator_id = 'all_crime'
        and monthly.value != coalesce(by_type.value, 0)

)

select * from final
