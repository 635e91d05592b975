-- The count indicators of police.uk street data: the indicators relative position compares across
-- forces (the restricted feeds are the partnership's alone; ratios and published figures are not
-- counts of rows). One selection, read by mart_comparison_area_monthly and the peer comparison.
with

catalogue as (

    select * from {{ ref('indicator_catalogue') }}

),

final as (

    select
        indicator_id,
        indicator_name

    from catalogue

    where
        source_system = 'police.uk'
        and numerator_id is null
        and source_model not in {{ published_value_models_sql() }}

)

select * from final
