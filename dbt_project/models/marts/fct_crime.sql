-- One row per recorded crime of a loaded file, from two source systems side by side:
-- `police.uk` (street-level rows; anti-social behaviour is in fct_asb; duplicates flagged, not
-- dropped) and `police_crime_extract` (the force's restricted extract, with offence codes,
-- flags and victims). The two describe the same crimes, so every indicator names the source
-- system it counts (indicator_catalogue.source_system) and nothing is counted twice. Columns a
-- source does not have are null for its rows; the extract's pseudonymised references stay in
-- staging (crime_id is null for its rows).
with

street_records as (

    select * from {{ ref('int_police_street_attributed') }}

),

extract_crimes as (

    select * from {{ ref('int_crime_extract_attributed') }}

),

police_uk as (

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
        source_row,
        'police.uk' as source_system,
        cast(null as date) as recorded_date,
        cast(null as timestamp) as committed_from,
        cast(null as timestamp) as committed_to,
        cast(null as varchar) as ho_offence_code,
        cast(null as varchar) as offence_group,
        cast(null as boolean) as is_violence_against_the_person,
        cast(null as varchar) as key_issue,
        cast(null as varchar) as cost_category,
        cast(null as double) as unit_cost_gbp,
        cast(null as varchar) as price_year,
        cast(null as double) as unit_cost_gbp_uprated,
        cast(null as varchar) as uprated_price_year,
        cast(null as boolean) as flag_domestic_abuse,
        cast(null as boolean) as flag_hate_race,
        cast(null as boolean) as flag_hate_religion,
        cast(null as boolean) as flag_hate_sexual_orientation,
        cast(null as boolean) as flag_hate_transgender,
        cast(null as boolean) as flag_hate_disability,
        cast(null as boolean) as is_hate_crime,
        cast(null as boolean) as flag_alcohol,
        cast(null as boolean) as flag_cse,
        cast(null as boolean) as flag_cce,
        cast(null as boolean) as flag_ocg,
        cast(null as boolean) as flag_knife,
        cast(null as varchar) as victim_age_band,
        cast(null as varchar) as victim_sex,
        cast(null as boolean) as is_victim_aged_15_25,
        cast(null as date) as night_of,
        cast(null as boolean) as is_night_time_economy

    from street_records

    where not is_asb

),

force_extract as (

    select
        cast(null as varchar) as crime_id,
        month,
        cast(null as varchar) as force,
        cast(null as varchar) as reported_by,
        cast(null as varchar) as falls_within,
        police_uk_crime_type as crime_type,
        outcome as last_outcome_category,
        cast(null as varchar) as location,
        cast(null as double) as longitude,
        cast(null as double) as latitude,
        lsoa_code,
        lsoa_name,
        lad_code,
        lad_name,
        attribution_method,
        lsoa_code is null as is_no_location,
        false as is_duplicate_row,
        false as is_repeated_crime_id,
        source_file,
        source_row,
        'police_crime_extract' as source_system,
        recorded_date,
        committed_from,
        committed_to,
        ho_offence_code,
        offence_group,
        is_violence_against_the_person,
        key_issue,
        cost_category,
        unit_cost_gbp,
        price_year,
        unit_cost_gbp_uprated,
        uprated_price_year,
        flag_domestic_abuse,
        flag_hate_race,
        flag_hate_religion,
        flag_hate_sexual_orientation,
        flag_hate_transgender,
        flag_hate_disability,
        is_hate_crime,
        flag_alcohol,
        flag_cse,
        flag_cce,
        flag_ocg,
        flag_knife,
        victim_age_band,
        victim_sex,
        is_victim_aged_15_25,
        night_of,
        is_night_time_economy

    from extract_crimes

),

final as (

    select * from police_uk
    union all
    select * from force_extract

)

select * from final
