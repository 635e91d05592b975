-- Step of mart_peer_comparison: every member of every peer group (dim_peer_group, the focus area
-- included) x police.uk indicator x period, with its count, population and rate, and whether the
-- member has complete data for the period (mart_peer_comparison__member_status).
--
-- A member has complete data (`available`) when its covering force's files are loaded for every
-- month of the period (int_comparison_areas.force_slug, int_police_uk_force_months) and it has a
-- population for the period end's calendar year or the latest earlier year loaded
-- (int_population_comparison_area_year). Otherwise member_status says why (`not_received`,
-- `no_population`, `unknown_area`) and member_reason in words, and the count (not received) or
-- the rate (no population) is null, never 0. A quarter's rate is its count per 1,000 residents,
-- not annualised.
with

member_periods as (

    select * from {{ ref('mart_peer_comparison__member_status') }}

),

monthly as (

    select * from {{ ref('mart_comparison_area_monthly') }}

),

police_uk_indicators as (

    select * from {{ ref('int_police_uk_count_indicators') }}

),

period_counts as (

    -- the monthly counts of the period's months (a month not loaded has none: the count is then
    -- not used, member_status says not_received)
    select
        member_periods.group_id,
        member_periods.member_area_code,
        member_periods.period_type,
        member_periods.period_end_month,
        monthly.indicator_id,
        sum(monthly.value) as value

    from member_periods

    inner join monthly
        on
            member_periods.member_area_code = monthly.area_code
            and member_periods.member_area_type = monthly.area_type
            and monthly.month between member_periods.period_start_month and member_periods.period_end_month

    group by
        member_periods.group_id,
        member_periods.member_area_code,
        member_periods.period_type,
        member_periods.period_end_month,
        monthly.indicator_id

),

final as (

    select
        member_periods.group_id,
        member_periods.focus_area_code,
        member_periods.focus_area_type,
        member_periods.method,
        police_uk_indicators.indicator_id,
        police_uk_indicators.indicator_name,
        member_periods.member_area_code as area_code,
        member_periods.member_area_name as area_name,
        member_periods.member_area_type as area_type,
        member_periods.force_slug,
        member_periods.is_focus_area,
        member_periods.member_rank,
        member_periods.period_type,
        member_periods.period_label,
        member_periods.financial_year,
        member_periods.fy_quarter,
        member_periods.period_start_month,
        member_periods.period_end_month,
        member_periods.months_in_period,
        member_periods.months_loaded,
        case
            when member_periods.member_status in ('available', 'no_population')
                then cast(coalesce(period_counts.value, 0) as double)
        end as count,
        member_periods.population,
        member_periods.population_year,
        case
            when member_periods.member_status = 'available'
                then 1000.0 * coalesce(period_counts.value, 0) / member_periods.population
        end as rate_per_1000,
        member_periods.member_status,
        case member_periods.member_status
            when 'unknown_area'
                then
                    'not in the loaded LAD -> CSP -> police force area lookup'
                    || ' (or a force area of no police force): no police.uk files cover it'
            when 'not_received'
                then
                    case
                        when member_periods.months_loaded = 0
                            then
                                'no police.uk street files of ' || member_periods.force_slug
                                || ' loaded for any month of the period'
                        else
                            'police.uk street files of ' || member_periods.force_slug || ' not loaded for '
                            || (member_periods.months_in_period - member_periods.months_loaded) || ' of the '
                            || member_periods.months_in_period || ' months (' || member_periods.months_missing
                            || ')'
                    end
            when 'no_population'
                then
                    'no population estimate loaded for ' || year(member_periods.period_end_month)
                    || ' or an earlier year'
        end as member_reason

    from member_periods

    cross join police_uk_indicators

    left join period_counts
        on
            member_periods.group_id = period_counts.group_id
            and member_periods.member_area_code = period_counts.member_area_code
            and member_periods.period_type = period_counts.period_type
            and member_periods.period_end_month = period_counts.period_end_month
            and police_uk_indicators.indicator_id = period_counts.indicator_id

)

select * from final
