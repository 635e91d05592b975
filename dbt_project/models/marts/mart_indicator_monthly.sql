-- Every indicator for every reporting area and every month its source covers
-- (int_indicator_months), zeros filled: the sums of fct_indicator_area_event, where the rule of
-- which rows count for an area is written once (districts and unitaries: the rows attributed to
-- them through their LSOA, road casualties by local_authority_ons_district; Lancashire-12 and the
-- clusters: the rows of their member districts; the police force area: every row the force
-- reported, including No Location rows and rows outside the county).
--
-- value_status says whether the value is known: MARAC returns come one row per area and quarter,
-- so a district whose return was not received or was quarantined has no value (null, never 0)
-- for the quarter's three months, nor has an aggregate with such a member (int_marac_area_months);
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

indicator_months as (

    -- the months each count indicator covers, with its lookback coverage
    select * from {{ ref('int_indicator_months') }}

),

area_events as (

    -- each event once per reporting area it counts in (the area rule, written once)
    select * from {{ ref('fct_indicator_area_event') }}

),

area_members as (

    select * from {{ ref('int_area_district_members') }}

),

marac_month_statuses as (

    select * from {{ ref('int_marac_area_months') }}

),

ratio_catalogue as (

    select * from catalogue

    where numerator_id is not null

),

reporting_areas as (

    select distinct
        area_code,
        area_type

    from area_members

),

grid as (

    select
        indicator_months.indicator_id,
        indicator_months.source_model,
        reporting_areas.area_code,
        reporting_areas.area_type,
        indicator_months.month,
        indicator_months.lookback_months,
        indicator_months.months_loaded

    from indicator_months

    cross join reporting_areas

),

area_sums as (

    select
        indicator_id,
        area_code,
        month,
        sum(value) as value,
        count(*) as source_rows

    from area_events

    group by indicator_id, area_code, month

),

counts as (

    select
        grid.indicator_id,
        grid.area_code,
        grid.month,
        case
            when
                coalesce(marac_month_statuses.value_status, 'available') = 'available'
                and coalesce(grid.months_loaded >= grid.lookback_months, true)
                then cast(coalesce(area_sums.value, 0) as double)
        end as value,
        coalesce(area_sums.source_rows, 0) as source_rows,
        grid.area_type,
        grid.source_model,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        case
            when marac_month_statuses.value_status is not null then marac_month_statuses.value_status
            when grid.months_loaded < grid.lookback_months then 'incomplete_lookback'
            else 'available'
        end as value_status,
        case
            when marac_month_statuses.value_status is not null then marac_month_statuses.value_status_reason
            when grid.months_loaded < grid.lookback_months
                then
                    'repeats need the ' || grid.lookback_months || ' months before the month loaded;'
                    || ' only ' || grid.months_loaded || ' of them are'
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
