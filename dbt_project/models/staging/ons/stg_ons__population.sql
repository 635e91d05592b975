with

source as (

    {{ latest_loaded_file_rows(source('raw', 'population'), ['year', 'geography']) }}

),

renamed as (

    select
        year as population_year,
        trim(area_code) as area_code,
        area_name,
        lower(geography) as geography,
        lower(sex) as sex,
        lower(age_band) as age_band,
        population,
        source_file,
        source_row

    from source

),

final as (

    select * from renamed

)

select * from final
