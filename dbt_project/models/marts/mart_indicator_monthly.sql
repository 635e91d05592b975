-- Every indicator for every reporting area and every month its source covers, zeros filled.
-- Districts and unitaries count the rows attributed to them through their LSOA (road casualties:
-- local_authority_ons_district); Lancashire-12 and the clusters are sums of their member
-- districts; the police force area counts every row the force reported, including No Location
-- rows and rows outside the county.
--
-- value_status says whether the value is known: MARAC returns come one row per area and quarter,
-- so a district whose return was not received or was quarantined has no value (null, never 0)
-- for the quarter's three months, nor has an aggregate with such a member (int_marac_area_quarters);
-- a ratio is not available when a component is not, or its denominator is 0 (no_denominator).
--
-- An indicator that counts repeats (catalogue lookback_months, e.g. 12 for da_repeat_victims: a
-- victim seen again within 12 months) undercounts until that much history is loaded: a repeat in
-- the first loaded month has no earlier months to be a repeat of, nor has a month after a gap. So a
-- month whose lookback_months before it are not all loaded has no value (null) and value_status
-- `incomplete_lookback`, in every area.
with

catalogue as (

    -- counts and ratios only: survey estimates and OHID Fingertips figures have no months
    select * from {{ ref('indicator_catalogue') }}

    where source_model not in {{ published_value_models_sql() }}

),

events as (

    select * from {{ ref('int_indicator_events') }}

),

area_members as (

    select * from {{ ref('int_area_district_members') }}

),

street_records as (

    select * from {{ ref('stg_police__street_records') }}

),

source_files as (

    select * from {{ ref('stg_meta__source_files') }}

),

crime_extract as (

    select * from {{ ref('stg_police__crime_extract') }}

),

da_incidents as (

    select * from {{ ref('stg_police__da_incidents') }}

),

marac_area_quarters as (

    select * from {{ ref('int_marac_area_quarters') }}

),

count_catalogue as (

    select * from catalogue

    where numerator_id is null

),

ratio_catalogue as (

    select * from catalogue

    where numerator_id is not null

),

collisions as (

    select * from {{ ref('stg_stats19__collisions') }}

),

reporting_areas as (

    select distinct
        area_code,
        area_type

    from area_members

),

police_months as (

    -- months with a loaded police.uk file for the force (by its partition key, or by its rows)
    select cast(strptime(partition_key || '-01', '%Y-%m-%d') as date) as month

    from source_files

    where
        status = 'loaded'
        and scope = '{{ var("police_uk_force") }}'
        and regexp_full_match(partition_key, '\d{4}-\d{2}')

    union

    select month

    from street_records

    where force = '{{ var("police_uk_force") }}'

),

stats19_latest_month as (

    select max(month) as latest_month

    from collisions

),

stats19_months as (

    -- every month of each loaded data year, up to the latest collision month
    select cast(make_date(data_years.collision_year, calendar_months.calendar_month, 1) as date) as month

    from (select distinct collision_year from collisions) as data_years

    cross join range(1, 13) as calendar_months (calendar_month)

    cross join stats19_latest_month

    where make_date(data_years.collision_year, calendar_months.calendar_month, 1) <= stats19_latest_month.latest_month

),

monthly_file_months as (

    -- months with a loaded file of a monthly restricted feed (by partition key, or by its rows)
    select
        feed as source_system,
        cast(strptime(partition_key || '-01', '%Y-%m-%d') as date) as month

    from source_files

    where
        status = 'loaded'
        and feed in ('police_crime_extract', 'police_da_incidents', 'fire_incidents')
        and regexp_full_match(partition_key, '\d{4}-\d{2}')

    union

    select
        'police_crime_extract' as source_system,
        month

    from crime_extract

    union

    select
        'police_da_incidents' as source_system,
        month

    from da_incidents

),

marac_month_statuses as (

    -- each area's MARAC status in the three months of every quarter a return was sent for
    select
        marac_area_quarters.area_code,
        cast(marac_area_quarters.quarter_start + to_months(quarter_months.month_offset) as date) as month,
        marac_area_quarters.value_status,
        marac_area_quarters.value_status_reason

    from marac_area_quarters

    cross join range(0, 3) as quarter_months (month_offset)

),

marac_months as (

    select distinct month

    from marac_month_statuses

),

source_months as (

    select
        'police.uk' as source_system,
        month

    from police_months

    union all

    select
        'stats19' as source_system,
        month

    from stats19_months

    union all

    select
        source_system,
        month

    from monthly_file_months

    union all

    select
        'marac_returns' as source_system,
        month

    from marac_months

),

catalogue_systems as (

    select
        count_catalogue.indicator_id,
        count_catalogue.source_model,
        unnest(string_split(count_catalogue.source_system, '+')) as source_system,
        len(string_split(count_catalogue.source_system, '+')) as n_systems

    from count_catalogue

),

indicator_months as (

    -- an indicator counting several systems covers the months every one of them has
    select
        catalogue_systems.indicator_id,
        catalogue_systems.source_model,
        source_months.month

    from catalogue_systems

    inner join source_months
        on catalogue_systems.source_system = source_months.source_system

    group by catalogue_systems.indicator_id, catalogue_systems.source_model, source_months.month

    having count(distinct catalogue_systems.source_system) = max(catalogue_systems.n_systems)

),

lookback_coverage as (

    -- for each month of an indicator that counts repeats: how many of the lookback_months before it
    -- are loaded (a gap in the history undercounts repeats as surely as a late start does)
    select
        indicator_months.indicator_id,
        indicator_months.month,
        count_catalogue.lookback_months,
        count(earlier_months.month) as months_loaded

    from indicator_months

    inner join count_catalogue
        on indicator_months.indicator_id = count_catalogue.indicator_id

    left join indicator_months as earlier_months
        on
            indicator_months.indicator_id = earlier_months.indicator_id
            and indicator_months.month > earlier_months.month
            and indicator_months.month - to_months(cast(count_catalogue.lookback_months as integer))
            <= earlier_months.month

    where count_catalogue.lookback_months is not null

    group by indicator_months.indicator_id, indicator_months.month, count_catalogue.lookback_months

),

grid as (

    select
        indicator_months.indicator_id,
        indicator_months.source_model,
        reporting_areas.area_code,
        reporting_areas.area_type,
        indicator_months.month

    from indicator_months

    cross join reporting_areas

),

district_sums as (

    select
        events.indicator_id,
        area_members.area_code,
        events.month,
        sum(events.value) as value,
        count(*) as source_rows

    from events

    inner join area_members
        on events.lad_code = area_members.lad_code

    where area_members.area_code != '{{ var("force_area_code") }}'

    group by events.indicator_id, area_members.area_code, events.month

),

force_area_sums as (

    select
        indicator_id,
        '{{ var("force_area_code") }}' as area_code,
        month,
        sum(value) as value,
        count(*) as source_rows

    from events

    where in_force_area

    group by indicator_id, month

),

area_sums as (

    select * from district_sums
    union all
    select * from force_area_sums

),

counts as (

    select
        grid.indicator_id,
        grid.area_code,
        grid.month,
        case
            when
                coalesce(marac_month_statuses.value_status, 'available') = 'available'
                and coalesce(lookback_coverage.months_loaded >= lookback_coverage.lookback_months, true)
                then cast(coalesce(area_sums.value, 0) as double)
        end as value,
        coalesce(area_sums.source_rows, 0) as source_rows,
        grid.area_type,
        grid.source_model,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        case
            when marac_month_statuses.value_status is not null then marac_month_statuses.value_status
            when lookback_coverage.months_loaded < lookback_coverage.lookback_months then 'incomplete_lookback'
            else 'available'
        end as value_status,
        case
            when marac_month_statuses.value_status is not null then marac_month_statuses.value_status_reason
            when lookback_coverage.months_loaded < lookback_coverage.lookback_months
                then
                    'repeats need the ' || lookback_coverage.lookback_months || ' months before the month loaded;'
                    || ' only ' || lookback_coverage.months_loaded || ' of them are'
        end as value_status_reason

    from grid

    left join area_sums
        on
            grid.indicator_id = area_sums.indicator_id
            and grid.area_code = area_sums.area_code
            and grid.month = area_sums.month

    left join marac_month_statuses
        on
            grid.source_model = 'fct_marac_quarterly'
            and grid.area_code = marac_month_statuses.area_code
            and grid.month = marac_month_statuses.month

    left join lookback_coverage
        on
            grid.indicator_id = lookback_coverage.indicator_id
            and grid.month = lookback_coverage.month

),

ratios as (

    select
        ratio_catalogue.indicator_id,
        numerators.area_code,
        numerators.month,
        {{ ratio_of('numerators.value', 'denominators.value', 'ratio_catalogue.ratio_scale') }} as value,
        numerators.source_rows + denominators.source_rows as source_rows,
        numerators.area_type,
        ratio_catalogue.source_model,
        numerators.value as numerator,
        denominators.value as denominator,
        {{ ratio_value_status('numerators.value_status', 'denominators.value_status', 'denominators.value') }}
            as value_status,
        {{ ratio_value_status_reason(
            'numerators.value_status',
            'numerators.value_status_reason',
            'denominators.value_status',
            'denominators.value_status_reason',
            'denominators.value',
            'ratio_catalogue.denominator_id',
        ) }} as value_status_reason

    from ratio_catalogue

    inner join counts as numerators
        on ratio_catalogue.numerator_id = numerators.indicator_id

    inner join counts as denominators
        on
            ratio_catalogue.denominator_id = denominators.indicator_id
            and numerators.area_code = denominators.area_code
            and numerators.month = denominators.month

),

final as (

    select * from counts
    union all
    select * from ratios

)

select * from final
