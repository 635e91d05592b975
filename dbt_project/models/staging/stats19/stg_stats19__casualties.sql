with

source as (

    {{ latest_loaded_file_rows(source('raw', 'stats19_casualty'), ['collision_year']) }}

),

renamed as (

    select
        collision_index,
        collision_year,
        vehicle_reference,
        casualty_reference,
        casualty_class,
        sex_of_casualty,
        nullif(age_of_casualty, -1) as age_of_casualty,
        age_band_of_casualty,
        casualty_severity,
        casualty_type,
        enhanced_casualty_severity,
        case
            when casualty_adjusted_severity_serious >= 0 then casualty_adjusted_severity_serious
        end as adjusted_serious,
        case
            when casualty_adjusted_severity_slight >= 0 then casualty_adjusted_severity_slight
        end as adjusted_slight,
        nullif(nullif(trim(lsoa_of_casualty), ''), '-1') as lsoa_of_casualty,
        nullif(casualty_imd_decile, -1) as casualty_imd_decile,
        source_file,
        source_row

    from source

),

final as (

    select * from renamed

)

select * from final
