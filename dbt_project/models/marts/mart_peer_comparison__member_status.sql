{{ config(materialized='view') }}

-- Step of mart_peer_comparison (read by mart_peer_comparison__member_periods): every member of every
-- peer group (dim_peer_group, the focus area included) x period (mart_peer_comparison__periods),
-- with its months loaded, population and status.
--
-- A member has complete data (`available`) when its covering force's files are loaded for every
-- month of the period (int_comparison_areas.force_slug, int_police_uk_force_months) and it has a
-- population for the period end's calendar year or the latest earlier year loaded
-- (int_population_comparison_area_year). Otherwise member_status says why: `not_received`,
-- `no_population` or `unknown_area`.
with

peer_groups as (

    select * from {{ ref('dim_peer_group') }}

),

areas as (

    select * from {{ ref('int_comparison_areas') }}

),

force_months as (

    select * from {{ ref('int_police_uk_force_months') }}

),

populations as (

    select * from {{ ref('int_population_comparison_area_year') }}

),

calendar as (

    select * from {{ ref('dim_month') }}

),

periods as (

    select * from {{ ref('mart_peer_comparison__periods') }}

),

members as (

    select
        peer_groups.group_id,
        peer_groups.focus_area_code,
        peer_groups.focus_area_type,
        peer_groups.method,
        peer_groups.member_area_code,
        peer_groups.member_area_name,
        peer_groups.member_area_type,
        peer_groups.is_focus_area,
        peer_groups.member_rank,
        areas.force_slug,
        areas.area_code is not null as is_known_area

    from peer_groups

    left join areas
        on
            peer_groups.member_area_code = areas.area_code
            and peer_groups.member_area_type = areas.area_type

),

member_period_months as (

    select
        members.group_id,
        members.member_area_code,
        members.member_area_type,
        periods.period_type,
        periods.period_end_month,
        calendar.month,
        force_months.month is not null as is_loaded

    from members

    cross join periods

    inner join calendar
        on calendar.month between periods.period_start_month and periods.period_end_month

    left join force_months
        on
            members.force_slug = force_months.force
            and calendar.month = force_months.month

),

member_coverage as (

    select
        group_id,
        member_area_code,
        period_type,
        period_end_month,
        count(*) filter (where is_loaded) as months_loaded,
        string_agg(strftime(month, '%Y-%m'), ', ' order by month) filter (where not is_loaded) as months_missing

    from member_period_months

    group by group_id, member_area_code, period_type, period_end_month

),

member_populations as (

    -- the population of the period end's calendar year, or the latest earlier year loaded
    select
        members.group_id,
        members.member_area_code,
        periods.period_type,
        periods.period_end_month,
        populations.population,
        populations.population_year

    from members

    cross join periods

    inner join populations
        on
            members.member_area_code = populations.area_code
            and members.member_area_type = populations.area_type
            and populations.population_year <= year(periods.period_end_month)

    qualify
        row_number() over (
            partition by members.group_id, members.member_area_code, periods.period_type, periods.period_end_month
            order by populations.population_year desc
        ) = 1

),

final as (

    select
        members.*,
        periods.period_type,
        periods.period_label,
        periods.financial_year,
        periods.fy_quarter,
        periods.period_start_month,
        periods.period_end_month,
        periods.months_in_period,
        member_coverage.months_loaded,
        member_coverage.months_missing,
        member_populations.population,
        member_populations.population_year,
        case
            when not members.is_known_area then 'unknown_area'
            when members.force_slug is null then 'unknown_area'
            when member_coverage.months_loaded < periods.months_in_period then 'not_received'
            when coalesce(member_populations.population, 0) <= 0 then 'no_population'
            else 'available'
        end as member_status

    from members

    cross join periods

    inner join member_coverage
        on
            members.group_id = member_coverage.group_id
            and members.member_area_code = member_coverage.member_area_code
            and periods.period_type = member_coverage.period_type
            and periods.period_end_month = member_coverage.period_end_month

    left join member_populations
        on
            members.group_id = member_populations.group_id
            and members.member_area_code = member_populations.member_area_code
            and periods.period_type = member_populations.period_type
            and periods.period_end_month = member_populations.period_end_month

)

select * from final
