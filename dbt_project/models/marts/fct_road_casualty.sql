-- One row per STATS19 casualty (of the latest loaded file for its data year) with its
-- collision. The district is the collision's local_authority_ons_district.
with

casualties as (

    select * from {{ ref('stg_stats19__casualties') }}

),

collisions as (

    select * from {{ ref('stg_stats19__collisions') }}

),

vehicles as (

    select * from {{ ref('stg_stats19__vehicles') }}

),

road_user_groups as (

    select * from {{ ref('road_user_groups') }}

),

joined as (

    select
        casualties.collision_index,
        casualties.casualty_reference,
        casualties.vehicle_reference,
        casualties.collision_year,
        collisions.collision_date,
        collisions.month,
        collisions.police_force,
        collisions.local_authority_ons_district as lad_code,
        collisions.lsoa_of_collision_location,
        collisions.collision_severity,
        casualties.casualty_class,
        casualties.casualty_severity,
        casualties.enhanced_casualty_severity,
        casualties.adjusted_serious,
        casualties.adjusted_slight,
        casualties.casualty_type,
        vehicles.vehicle_type,
        casualties.sex_of_casualty,
        casualties.age_of_casualty,
        casualties.age_band_of_casualty,
        casualties.lsoa_of_casualty,
        coalesce(road_user_groups.road_user_group, 'other') as road_user_group,
        casualties.source_file,
        casualties.source_row,
        collisions.source_file as collision_source_file,
        collisions.source_row as collision_source_row

    from casualties

    left join collisions
        on casualties.collision_index = collisions.collision_index

    left join vehicles
        on
            casualties.collision_index = vehicles.collision_index
            and casualties.vehicle_reference = vehicles.vehicle_reference

    left join road_user_groups
        on casualties.casualty_type = road_user_groups.casualty_type

),

final as (

    select
        collision_index,
        casualty_reference,
        vehicle_reference,
        collision_year,
        collision_date,
        month,
        police_force,
        {{ decode('collision', 'police_force', 'police_force') }} as police_force_label,
        lad_code,
        lsoa_of_collision_location,
        collision_severity,
        casualty_class,
        {{ decode('casualty', 'casualty_class', 'casualty_class') }} as casualty_class_label,
        casualty_severity,
        {{ decode('casualty', 'casualty_severity', 'casualty_severity') }} as casualty_severity_label,
        enhanced_casualty_severity,
        -- DfT's probability that the injury is serious; a fatality is not "adjusted"
        case when casualty_severity != 1 then adjusted_serious end as adjusted_serious,
        case when casualty_severity != 1 then adjusted_slight end as adjusted_slight,
        casualty_severity in (1, 2) as is_ksi,
        casualty_severity = 1 as is_fatal,
        casualty_type,
        {{ decode('casualty', 'casualty_type', 'casualty_type') }} as casualty_type_label,
        road_user_group,
        vehicle_type,
        {{ decode('vehicle', 'vehicle_type', 'vehicle_type') }} as vehicle_type_label,
        sex_of_casualty,
        {{ decode('casualty', 'sex_of_casualty', 'sex_of_casualty') }} as sex_of_casualty_label,
        age_of_casualty,
        age_band_of_casualty,
        {{ decode('casualty', 'age_band_of_casualty', 'age_band_of_casualty') }} as age_band_of_casualty_label,
        lsoa_of_casualty,
        source_file,
        source_row,
        collision_source_file,
        collision_source_row

    from joined

)

select * from final
