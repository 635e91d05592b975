with

source as (

    {{ latest_loaded_file_rows(source('raw', 'stats19_collision'), ['collision_year']) }}

),

renamed as (

    select
        collision_index,
        collision_year,
        collision_ref_no,
        police_force,
        collision_severity,
        enhanced_severity_collision,
        collision_date,
        cast(date_trunc('month', collision_date) as date) as month,
        collision_time,
        day_of_week,
        nullif(nullif(trim(local_authority_ons_district), ''), '-1') as local_authority_ons_district,
        nullif(nullif(trim(local_authority_highway), ''), '-1') as local_authority_highway,
        nullif(nullif(trim(lsoa_of_collision_location), ''), '-1') as lsoa_of_collision_location,
        longitude,
        latitude,
        number_of_vehicles,
        number_of_casualties,
        road_type,
        nullif(speed_limit, -1) as speed_limit,
        light_conditions,
        weather_conditions,
        road_surface_conditions,
        urban_or_rural_area,
        source_file,
        source_row

    from source

),

final as (

    select * from renamed

)

select * from final
