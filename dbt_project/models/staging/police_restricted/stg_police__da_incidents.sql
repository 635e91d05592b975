-- Domestic abuse incidents (not crimes) of loaded files.
with

source as (

    select * from {{ source('raw', 'police_da_incidents') }}

),

loaded_files as (

    {{ loaded_files('police_da_incidents') }}

),

renamed as (

    select
        source.incident_reference,
        source.month,
        source.incident_datetime,
        nullif(trim(source.lsoa_code), '') as lsoa_code,
        source.dash_risk_level,
        source.repeat_victim,
        source.victim_reference,
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
