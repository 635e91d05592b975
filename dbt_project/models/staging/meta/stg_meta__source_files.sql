with

source as (

    select * from {{ source('meta', 'source_files') }}

),

renamed as (

    select
        sha256 as source_file,
        feed,
        file_name,
        partition_key,
        nullif(scope, '') as scope,
        received_at,
        status,
        rows_read,
        rows_loaded,
        rows_quarantined,
        reason,
        superseded_by,
        run_id,
        landing_path

    from source

),

final as (

    select * from renamed

)

select * from final
