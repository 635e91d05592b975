{{ config(materialized='table') }}

-- Every loaded police.uk row with the district it falls in. Areas are attributed through the
-- LSOA, never by the reporting force: first through the ONS lookups; where they lack the code
-- (e.g. a 2021 LSOA with no 2021 lookup loaded), by the local authority name that starts the
-- LSOA name ("Hyndburn 006J" -> Hyndburn).
with

street_records as (

    select * from {{ ref('stg_police__street_records') }}

),

lsoa_districts as (

    select * from {{ ref('int_lsoa_districts_resolved') }}

),

lsoa_lookup as (

    select * from {{ ref('stg_ons__lsoa_lookup') }}

),

areas as (

    select * from {{ ref('lancashire_areas') }}

),

district_names as (

    select
        area_name as lad_name,
        area_code as lad_code,
        0 as name_priority,
        9999 as lad_vintage

    from areas

    where area_type in ('district', 'unitary')

    union all

    select distinct
        lad_name,
        lad_code,
        1 as name_priority,
        lad_vintage

    from lsoa_lookup

),

district_name_codes as (

    -- one code per local authority name: our areas first, then the latest lookup vintage
    select
        lower(lad_name) as lad_name_key,
        lad_name,
        lad_code

    from district_names

    qualify
        row_number() over (
            partition by lower(lad_name)
            order by name_priority asc, lad_vintage desc, lad_code asc
        ) = 1

),

with_name_prefix as (

    select
        *,
        nullif(regexp_extract(lsoa_name, '^(.*) \d{3}[A-Z]$', 1), '') as lsoa_name_district

    from street_records

),

attributed as (

    select
        with_name_prefix.*,
        lsoa_districts.lad_code as lookup_lad_code,
        lsoa_districts.lad_name as lookup_lad_name,
        district_name_codes.lad_code as name_lad_code,
        district_name_codes.lad_name as name_lad_name

    from with_name_prefix

    left join lsoa_districts
        on with_name_prefix.lsoa_code = lsoa_districts.lsoa_code

    left join district_name_codes
        on lower(with_name_prefix.lsoa_name_district) = district_name_codes.lad_name_key

),

duplicates_flagged as (

    select
        *,
        row_number() over (
            partition by
                crime_id, month, reported_by, falls_within, longitude, latitude, location,
                lsoa_code, lsoa_name, crime_type, last_outcome_category, context, force
            order by source_file, source_row
        ) as identical_row_number,
        count(*) over (
            partition by
                crime_id, month, reported_by, falls_within, longitude, latitude, location,
                lsoa_code, lsoa_name, crime_type, last_outcome_category, context, force
        ) as identical_row_count,
        count(*) over (partition by crime_id) as crime_id_row_count

    from attributed

),

final as (

    select
        crime_id,
        month,
        reported_by,
        falls_within,
        longitude,
        latitude,
        location,
        lsoa_code,
        lsoa_name,
        crime_type,
        last_outcome_category,
        context,
        force,
        is_asb,
        is_no_location,
        lsoa_name_district,
        case
            when is_no_location then null
            when lookup_lad_code is not null then lookup_lad_code
            else name_lad_code
        end as lad_code,
        case
            when is_no_location then null
            when lookup_lad_code is not null then lookup_lad_name
            else name_lad_name
        end as lad_name,
        case
            when is_no_location then 'no_location'
            when lookup_lad_code is not null then 'lookup'
            when name_lad_code is not null then 'lsoa_name'
            else 'unattributed'
        end as attribution_method,
        -- a second or later copy of a crime row identical in every column (ASB rows have no
        -- Crime ID: identical ASB rows are separate incidents snapped to the same point)
        crime_id is not null and identical_row_number > 1 as is_duplicate_row,
        case when crime_id is not null then identical_row_count else 1 end as identical_row_count,
        crime_id is not null and crime_id_row_count > 1 as is_repeated_crime_id,
        case when crime_id is not null then crime_id_row_count end as crime_id_row_count,
        source_file,
        source_row

    from duplicates_flagged

)

select * from final
