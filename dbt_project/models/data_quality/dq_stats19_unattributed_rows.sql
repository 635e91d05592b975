-- STATS19 casualty and vehicle rows that no collision carries: rows of the files staging reads
-- (loaded files, the latest for each data year) whose collision_index is not among the loaded
-- collision rows (the collision was quarantined, or is missing from the collision file). They
-- have no date, place or severity, so no indicator counts them: listed here, one row per row,
-- and counted per file in dq_row_accounting as unattributed.
with

casualties as (

    select * from {{ ref('stg_stats19__casualties') }}

),

vehicles as (

    select * from {{ ref('stg_stats19__vehicles') }}

),

collisions as (

    select * from {{ ref('stg_stats19__collisions') }}

),

source_files as (

    select * from {{ ref('stg_meta__source_files') }}

),

collision_rows as (

    select
        'stats19_casualty' as feed,
        collision_index,
        collision_year,
        source_file,
        source_row

    from casualties

    union all

    select
        'stats19_vehicle' as feed,
        collision_index,
        collision_year,
        source_file,
        source_row

    from vehicles

),

collision_absent as (

    select collision_rows.*

    from collision_rows

    left join collisions
        on collision_rows.collision_index = collisions.collision_index

    where collisions.collision_index is null

),

final as (

    select
        collision_absent.feed,
        'collision_absent' as reason,
        collision_absent.collision_index,
        collision_absent.collision_year as data_year,
        collision_absent.source_file,
        source_files.file_name,
        collision_absent.source_row

    from collision_absent

    left join source_files
        on
            collision_absent.source_file = source_files.source_file
            and collision_absent.feed = source_files.feed
            and source_files.status <> 'rejected'

)

select * from final
