-- The crime extract's rows of loaded files (a superseded month's rows stay in raw, not here).
with

source as (

    select * from {{ source('raw', 'police_crime_extract') }}

),

loaded_files as (

    {{ loaded_files('police_crime_extract') }}

),

renamed as (

    select
        source.crime_reference,
        source.month,
        source.recorded_date,
        source.committed_from,
        source.committed_to,
        source.ho_offence_code,
        source.ho_offence_description,
        nullif(trim(source.lsoa_code), '') as lsoa_code,
        source.flag_domestic_abuse,
        source.flag_hate_race,
        source.flag_hate_religion,
        source.flag_hate_sexual_orientation,
        source.flag_hate_transgender,
        source.flag_hate_disability,
        source.flag_alcohol,
        source.flag_cse,
        source.flag_cce,
        source.flag_ocg,
        source.flag_knife,
        source.victim_reference,
        source.victim_age_band,
        source.victim_sex,
        source.outcome,
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
