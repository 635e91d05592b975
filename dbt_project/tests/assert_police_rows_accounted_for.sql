{{ config(meta={'dagster': {'ref': {'name': 'fct_crime'}}}) }}
-- Every police.uk row of a loaded file is in exactly one of fct_crime (as source_system
-- police.uk) and fct_asb.
with

raw_rows as (

    select * from {{ source('raw', 'police_street') }}

),

source_files as (

    select * from {{ source('meta', 'source_files') }}

),

crimes as (

    select * from {{ ref('fct_crime') }}

    where source_system = 'police.uk'

),

incidents as (

    select * from {{ ref('fct_asb') }}

),

loaded_counts as (

    select count(*) as n_loaded_rows

    from raw_rows

    inner join source_files
        on raw_rows.source_file = source_files.sha256

    where source_files.status = 'loaded'

),

fact_counts as (

    select
        (select count(*) as n_rows from crimes) as n_crimes,
        (select count(*) as n_rows from incidents) as n_incidents

),

final as (

    select
        loaded_counts.n_loaded_rows,
        fact_counts.n_crimes,
        fact_counts.n_incidents

    from loaded_counts

    cross join fact_counts

    where loaded_counts.n_loaded_rows != fact_counts.n_crimes + fact_counts.n_incidents

)

select * from final
