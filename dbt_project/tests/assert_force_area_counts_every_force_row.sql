{{ config(meta={'dagster': {'ref': {'name': 'mart_indicator_monthly'}}}) }}
-- The police force area counts every row its force reported (No Location and out-of-county
-- rows included), recounted from the fact tables without the indicator machinery.
with

monthly as (

    select * from {{ ref('mart_indicator_monthly') }}

    where area_code = '{{ var("force_area_code") }}'

),

recounts as (

    select
        'all_crime' as indicator_id,
        month,
        count(*) as n_rows

    from {{ ref('fct_crime') }}

    where force = '{{ var("police_uk_force") }}' and source_system = 'police.uk'

    group by month

    union all

    select
        'asb_incidents' as indicator_id,
        month,
        count(*) as n_rows

    from {{ ref('fct_asb') }}

    where force = '{{ var("police_uk_force") }}'

    group by month

    union all

    select
        'road_casualties' as indicator_id,
        month,
        count(*) as n_rows

    from {{ ref('fct_road_casualty') }}

    where police_force = {{ var("stats19_police_force") }} and month is not null

    group by month

),

final as (

    select
        recounts.*,
        monthly.value

    from recounts

    left join monthly
        on
            recounts.indicator_id = monthly.indicator_id
            and recounts.month = monthly.month

    where monthly.value is null or monthly.value != recounts.n_rows

)

select * from final
