with

source as (

    {{ latest_loaded_file_rows(source('raw', 'stats19_vehicle'), ['collision_year']) }}

),

renamed as (

    select
        collision_index,
        collision_year,
        vehicle_reference,
        vehicle_type,
        vehicle_manoeuvre,
        sex_of_driver,
        nullif(age_of_driver, -1) as age_of_driver,
        age_band_of_driver,
        journey_purpose_of_driver,
        nullif(engine_capacity_cc, -1) as engine_capacity_cc,
        propulsion_code,
        nullif(age_of_vehicle, -1) as age_of_vehicle,
        source_file,
        source_row

    from source

),

final as (

    select * from renamed

)

select * from final
