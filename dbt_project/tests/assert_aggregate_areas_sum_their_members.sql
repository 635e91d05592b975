{{ config(meta={'dagster': {'ref': {'name': 'mart_indicator_monthly'}}}) }}
-- Lancashire-12 and every cluster equal the sum of their member districts, month by month, where
-- their value is available; an aggregate is available only when all its members are (a missing
-- MARAC return is not counted as 0).
with

monthly as (

    select * from {{ ref('mart_indicator_monthly') }}

    -- ratio indicators are not sums (assert_ratio_indicators_match_components checks them)
    where indicator_id in (
            select catalogue.indicator_id
            from {{ ref('indicator_catalogue') }} as catalogue
            where catalogue.numerator_id is null
        )

),

area_members as (

    select * from {{ ref('int_area_district_members') }}

),

member_sums as (

    select
        monthly.indicator_id,
        area_members.area_code,
        monthly.month,
        sum(monthly.value) as members_value,
        count(*) as members,
        count(monthly.value) as members_available

    from area_members

    inner join monthly
        on area_members.lad_code = monthly.area_code

    where area_members.area_type in ('county', 'cluster')

    group by monthly.indicator_id, area_members.area_code, monthly.month

),

final as (

    select
        member_sums.*,
        monthly.value,
        monthly.value_status

    from member_sums

    left join monthly
        on
            member_sums.indicator_id = monthly.indicator_id
            and member_sums.area_code = monthly.area_code
            and member_sums.month = monthly.month

    where
        coalesce(monthly.value_status, 'available') = 'available'
        and (
            monthly.value is null
            or member_sums.members_available < member_sums.members
            or abs(monthly.value - member_sums.members_value) > 1e-9
        )

)

select * from final
