-- Whether each reporting area's MARAC return is known for each quarter a MARAC return covers (a
-- loaded file carries it, or a loaded file sent it and its row was quarantined).
--
-- A district is `available` when every MARAC area the [marac] areas setting maps to it has a
-- loaded return for the quarter; otherwise `quarantined` when one of its missing returns was sent
-- but quarantined (meta.quarantine of a loaded file: raw_record holds the file's "MARAC Area" and
-- "Quarter"), else `not_received`. An aggregate (Lancashire-12, a cluster, the force area) is
-- available only when all its member districts are: a sum with a member missing would count the
-- missing return as 0. Quarters no return covers at all are not listed (the scorecard's grid
-- shows them as not_received). The quarantined returns are int_marac_returns_quarantined.
with

returns as (

    select * from {{ ref('stg_marac__returns') }}

),

quarantined_returns as (

    select * from {{ ref('int_marac_returns_quarantined') }}

),

area_members as (

    select * from {{ ref('int_area_district_members') }}

),

marac_areas as (

    {{ marac_area_districts() }}

),

first_quarantined_returns as (

    -- one quarantined row per MARAC area and quarter, for the reason (several files may hold one)
    select *

    from quarantined_returns

    qualify
        row_number() over (
            partition by marac_area, quarter_start
            order by file_name desc, source_row asc
        ) = 1

),

loaded_returns as (

    select
        marac_areas.lad_code,
        returns.marac_area,
        returns.quarter_start

    from returns

    inner join marac_areas
        on returns.marac_area = marac_areas.marac_area

),

sent_quarters as (

    select
        quarter_start,
        quarter as quarter_label

    from returns

    union

    select
        quarter_start,
        quarter_text as quarter_label

    from quarantined_returns

),

quarters as (

    select
        quarter_start,
        cast(quarter_start + interval 2 month as date) as quarter_end_month,
        min(quarter_label) as quarter_label

    from sent_quarters

    group by quarter_start

),

expected_returns as (

    -- every configured MARAC area (and its district) for every quarter
    select
        marac_areas.lad_code,
        marac_areas.marac_area,
        quarters.quarter_start,
        quarters.quarter_end_month

    from marac_areas

    cross join quarters

),

area_returns as (

    select
        expected_returns.lad_code,
        expected_returns.marac_area,
        expected_returns.quarter_start,
        expected_returns.quarter_end_month,
        loaded_returns.marac_area is not null as is_loaded,
        quarantined.file_name as quarantined_file_name,
        quarantined.source_row as quarantined_source_row,
        quarantined.check_names as quarantined_checks

    from expected_returns

    left join loaded_returns
        on
            expected_returns.marac_area = loaded_returns.marac_area
            and expected_returns.quarter_start = loaded_returns.quarter_start

    left join first_quarantined_returns as quarantined
        on
            expected_returns.marac_area = quarantined.marac_area
            and expected_returns.quarter_start = quarantined.quarter_start

),

district_quarters as (

    -- each district of a reporting area, for every quarter (a district without a configured
    -- MARAC area has no return: not_received)
    select
        area_members.area_code,
        area_members.area_type,
        area_members.lad_code,
        area_members.lad_name,
        quarters.quarter_start,
        quarters.quarter_end_month,
        quarters.quarter_label,
        count(area_returns.marac_area) as expected_returns,
        count(area_returns.marac_area) filter (where area_returns.is_loaded) as loaded_returns,
        min(
            area_returns.marac_area || ' quarantined (' || area_returns.quarantined_checks || '; '
            || area_returns.quarantined_file_name || ' line ' || area_returns.quarantined_source_row || ')'
        ) filter (where not area_returns.is_loaded and area_returns.quarantined_file_name is not null)
            as quarantined_reason

    from area_members

    cross join quarters

    left join area_returns
        on
            area_members.lad_code = area_returns.lad_code
            and quarters.quarter_start = area_returns.quarter_start

    group by
        area_members.area_code,
        area_members.area_type,
        area_members.lad_code,
        area_members.lad_name,
        quarters.quarter_start,
        quarters.quarter_end_month,
        quarters.quarter_label

),

district_statuses as (

    select
        *,
        case
            when expected_returns > 0 and loaded_returns = expected_returns then 'available'
            when quarantined_reason is not null then 'quarantined'
            else 'not_received'
        end as district_status

    from district_quarters

),

final as (

    select
        area_code,
        area_type,
        quarter_start,
        quarter_end_month,
        count(*) as member_districts,
        count(*) filter (where district_status = 'available') as available_districts,
        case
            when bool_and(district_status = 'available') then 'available'
            when bool_or(district_status = 'quarantined') then 'quarantined'
            else 'not_received'
        end as value_status,
        case
            when bool_and(district_status = 'available') then null
            when area_type in ('district', 'unitary')
                then coalesce(min(quarantined_reason), 'no MARAC return received for ' || min(quarter_label))
            else
                'MARAC returns of ' || count(*) filter (where district_status != 'available')
                || ' of ' || count(*) || ' member districts not available for ' || min(quarter_label) || ': '
                || string_agg(
                    lad_name || ' (' || replace(district_status, '_', ' ') || ')', ', ' order by lad_name
                ) filter (where district_status != 'available')
        end as value_status_reason

    from district_statuses

    group by area_code, area_type, quarter_start, quarter_end_month

)

select * from final
