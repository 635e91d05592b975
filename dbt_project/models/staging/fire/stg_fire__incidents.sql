-- Fire and rescue incidents of loaded files (a superseded month's rows stay in raw, not here).
with

source as (

    select * from {{ source('raw', 'fire_incidents') }}

),

loaded_files as (

    {{ loaded_files('fire_incidents') }}

),

renamed as (

    select
        source.incident_reference,
        source.month,
        source.call_datetime,
        source.incident_group,
        source.fire_type,
        source.cause,
        source.property_category,
        nullif(upper(trim(source.lsoa_code)), '') as lsoa_code,
        nullif(upper(trim(source.area_code)), '') as area_code,
        source.source_file,
        source.source_row

    from source

    inner join loaded_files
        on source.source_file = loaded_files.source_file

),

final as (

    select * from renamed

)

select * from final
