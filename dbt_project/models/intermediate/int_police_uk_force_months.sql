-- The months each police force's police.uk street data covers: a month with a loaded
-- police_street file of the force (its scope and partition key), or with loaded rows of it. A
-- month not listed for a force is not received: an area that force covers has no count for it
-- (never 0). int_indicator_months reads the partnership's force from here.
with

source_files as (

    select * from {{ ref('stg_meta__source_files') }}

),

street_records as (

    select * from {{ ref('stg_police__street_records') }}

),

file_months as (

    select
        scope as force,
        cast(strptime(partition_key || '-01', '%Y-%m-%d') as date) as month

    from source_files

    where
        feed = 'police_street'
        and status = 'loaded'
        and scope is not null
        and regexp_full_match(partition_key, '\d{4}-\d{2}')

),

row_months as (

    select
        force,
        month

    from street_records

),

final as (

    select
        force,
        month

    from file_months

    union

    select
        force,
        month

    from row_months

)

select * from final
