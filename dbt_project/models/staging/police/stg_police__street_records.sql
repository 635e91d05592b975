with

source as (

    select * from {{ source('raw', 'police_street') }}

),

loaded_files as (

    {{ loaded_files('police_street') }}

),

-- which crime types are anti-social behaviour: the police_crime_types seed, the one list of types
asb_crime_types as (

    select crime_types.crime_type
    from {{ ref('police_crime_types') }} as crime_types
    where crime_types.is_asb

),

renamed as (

    select
        nullif(trim(source.crime_id), '') as crime_id,
        source.month,
        source.reported_by,
        source.falls_within,
        source.longitude,
        source.latitude,
        source.location,
        nullif(trim(source.lsoa_code), '') as lsoa_code,
        nullif(trim(source.lsoa_name), '') as lsoa_name,
        source.crime_type,
        nullif(trim(source.last_outcome_category), '') as last_outcome_category,
        source.context,
        source.force,
        source.source_file,
        source.source_row

    from source

    where source.source_file in (select loaded_files.source_file from loaded_files)

),

final as (

    select
        *,
        coalesce(crime_type in (select asb_crime_types.crime_type from asb_crime_types), false) as is_asb,
        lsoa_code is null as is_no_location

    from renamed

)

select * from final
