-- Population by sex and single year of age: each mid-year from the latest loaded file carrying it.
with

source as (

    {{ latest_loaded_file_rows(source('raw', 'population_sex_age'), ['year']) }}

),

final as (

    select
        year as population_year,
        trim(area_code) as area_code,
        area_name,
        sex,
        age,
        population,
        source_file,
        source_row

    from source

)

select * from final
