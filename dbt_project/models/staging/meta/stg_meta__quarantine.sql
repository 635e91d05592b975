with

source as (

    select * from {{ source('meta', 'quarantine') }}

),

renamed as (

    select
        feed,
        source_file,
        file_name,
        source_row,
        check_name,
        column_name,
        failure_case,
        raw_record,
        quarantined_at

    from source

),

final as (

    select * from renamed

)

select * from final
