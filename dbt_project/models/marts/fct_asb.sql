-- One row per police.uk anti-social behaviour incident of a loaded file.
with

street_records as (

    select * from {{ ref('int_police_street_attributed') }}

),

incidents as (

    select * from street_records

    where is_asb

),

final as (

    select
        month,
        force,
        reported_by,
        falls_within,
        location,
        longitude,
        latitude,
        lsoa_code,
        lsoa_name,
        lad_code,
        lad_name,
        attribution_method,
        is_no_location,
        source_file,
        source_row

    from incidents

)

select * from final
