{{ config(meta={'dagster': {'ref': {'name': 'fct_indicator_event'}}}) }}
-- No crime is counted twice: every event of a fct_crime or fct_domestic_abuse indicator comes from
-- a row of the source system(s) the catalogue names for it (police.uk and the force extract
-- describe the same crimes).
with

catalogue as (

    select * from {{ ref('indicator_catalogue') }}

),

events as (

    select * from {{ ref('fct_indicator_event') }}

),

crimes as (

    select
        source_file,
        source_row,
        source_system

    from {{ ref('fct_crime') }}

),

domestic_abuse as (

    select
        source_file,
        source_row,
        source_system

    from {{ ref('fct_domestic_abuse') }}

),

fact_rows as (

    select
        'fct_crime' as source_model,
        source_file,
        source_row,
        source_system

    from crimes

    union all

    select
        'fct_domestic_abuse' as source_model,
        source_file,
        source_row,
        source_system

    from domestic_abuse

),

final as (

    select
        events.indicator_id,
        events.source_file,
        events.source_row,
        fact_rows.source_system,
        catalogue.source_system as catalogue_source_system

    from events

    inner join catalogue
        on events.indicator_id = catalogue.indicator_id

    inner join fact_rows
        on
            events.source_model = fact_rows.source_model
            and events.source_file = fact_rows.source_file
            and events.source_row = fact_rows.source_row

    where not list_contains(string_split(catalogue.source_system, '+'), fact_rows.source_system)

)

select * from final
