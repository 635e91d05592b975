-- Every indicator the Board reports, one row each: the rows of the seed indicator_catalogue (counts,
-- ratios, money, survey estimates) and, derived here, one row per OHID Fingertips indicator the
-- seed fingertips_indicators selects (`fingertips_<id>`), so a Fingertips id, name, key issue and
-- polarity are written once, in that seed. The outputs list, group and order indicators from this
-- table (`catalogue_order`: the catalogue's rows in their seed order, then the Fingertips ones).
--
-- `value_kind`: `count` (a sum of events or money over months), `ratio` (ratio_scale x numerator /
-- denominator), `survey_estimate` (a weighted survey percentage with its interval) or
-- `published_figure` (a figure as its publisher gives it, with its interval and count).
with

catalogue as (

    select
        *,
        -- the seed's row order (a plain scan of a small table keeps it; `rowid` is not available
        -- when dbt wraps the ref, e.g. `dbt run --empty`)
        row_number() over () as seed_order

    from {{ ref('indicator_catalogue') }}

),

fingertips as (

    select
        *,
        row_number() over () as seed_order

    from {{ ref('fingertips_indicators') }}

    where is_selected

),

catalogue_rows as (

    select
        indicator_id,
        indicator_name,
        key_issue,
        theme,
        priority,
        source_model,
        source_system,
        filter_sql,
        value_sql,
        unit,
        polarity,
        is_additive,
        population_group,
        rate_per,
        description,
        numerator_id,
        denominator_id,
        ratio_scale,
        price_year,
        benchmark_key,
        significance_test,
        grain,
        lookback_months,
        cast(null as integer) as fingertips_indicator_id,
        case
            when source_model = 'mart_survey_indicators' then 'survey_estimate'
            when source_model = 'mart_health_indicators' then 'published_figure'
            when numerator_id is not null then 'ratio'
            else 'count'
        end as value_kind,
        seed_order as catalogue_order

    from catalogue

),

catalogue_size as (

    select count(*) as seed_rows

    from catalogue

),

fingertips_rows as (

    select
        'fingertips_' || fingertips.fingertips_indicator_id as indicator_id,
        fingertips.indicator_name,
        fingertips.key_issue,
        fingertips.theme,
        fingertips.priority,
        'mart_health_indicators' as source_model,
        'OHID Fingertips' as source_system,
        'fingertips_indicator_id = ' || fingertips.fingertips_indicator_id || ' and is_headline' as filter_sql,
        'value' as value_sql,
        fingertips.unit,
        fingertips.polarity,
        false as is_additive,
        cast(null as varchar) as population_group,
        cast(null as integer) as rate_per,
        fingertips.description || ' ' || fingertips.source_note as description,
        cast(null as varchar) as numerator_id,
        cast(null as varchar) as denominator_id,
        cast(null as double) as ratio_scale,
        cast(null as varchar) as price_year,
        cast(null as varchar) as benchmark_key,
        'ci_overlap' as significance_test,
        'year' as grain,
        cast(null as integer) as lookback_months,
        fingertips.fingertips_indicator_id,
        'published_figure' as value_kind,
        catalogue_size.seed_rows + fingertips.seed_order as catalogue_order

    from fingertips

    cross join catalogue_size

),

final as (

    select * from catalogue_rows

    union all

    select * from fingertips_rows

)

select * from final
