-- One row per police.uk street-level crime row of a loaded file (anti-social behaviour is in
-- fct_asb). Duplicates are flagged, not dropped.
with

street_records as (

    select * from {{ ref('int_police_street_attributed') }}

),

crimes as (

    select * from street_records

    where not is_asb

),

final as (

    select
        crime_id,
        month,
        force,
        reported_by,
        falls_within,
        crime_type,
        last_outcome_category,
        location,
        longitude,
        latitude,
        lsoa_code,
        lsoa_name,
        lad_code,
        lad_name,
        attribution_method,
        is_no_location,
        is_duplicate_row,
        is_repeated_crime_id,
        source_file,
        source_row

    from crimes

)

select * from final
