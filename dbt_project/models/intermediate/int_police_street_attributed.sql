{{ config(materialized='table') }}

-- Every loaded police.uk row with the district it falls in. Areas are attributed through the
-- LSOA, never by the reporting force: first through the ONS lookups; where they lack the code
-- (e.g. a 2021 LSOA with no 2021 lookup loaded), by the local authority name that starts the
-- LSOA name ("Hyndburn 006J" -> Hyndburn).
--
-- Memory: no window or sort runs over the whole history. The street records are read three times,
-- each by one CTE (a Crime ID count, the rows of a repeated Crime ID, the other rows), not through
-- one CTE read three times, which DuckDB would materialise: the whole history written aside.
with

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
        lad_name_key,
        lad_name,
        lad_code

    from (

        select
            lower(lad_name) as lad_name_key,
            lad_name,
            lad_code,
            row_number() over (
                partition by lower(lad_name)
                order by name_priority asc, lad_vintage desc, lad_code asc
            ) as name_rank

        from district_names

    ) as ranked_names

    where name_rank = 1

),

-- Duplicates, without a window or sort over the whole history: the rows identical in every column
-- share their Crime ID, so only the rows of a Crime ID that occurs more than once (an aggregate,
-- joined back) can be identical, and the windows run over those rows alone.
repeated_crime_ids as (

    select
        street_records.crime_id,
        count(*) as crime_id_row_count

    from {{ ref('stg_police__street_records') }} as street_records

    where street_records.crime_id is not null

    group by street_records.crime_id

    having count(*) > 1

),

single_rows as (

    -- rows of a Crime ID seen once (or of none, ASB): nothing is identical to them. An anti-join by
    -- a left join to the few repeated IDs: `not exists` would be planned as a join that holds every row
    select
        street_records.*,
        cast(1 as bigint) as identical_row_number,
        cast(1 as bigint) as identical_row_count,
        case when street_records.crime_id is not null then cast(1 as bigint) end as crime_id_row_count

    from {{ ref('stg_police__street_records') }} as street_records

    left join repeated_crime_ids
        on street_records.crime_id = repeated_crime_ids.crime_id

    where repeated_crime_ids.crime_id is null

),

repeated_rows as (

    select
        street_records.*,
        row_number() over (
            identical_rows order by street_records.source_file, street_records.source_row
        ) as identical_row_number,
        count(*) over identical_rows as identical_row_count,
        repeated_crime_ids.crime_id_row_count

    from {{ ref('stg_police__street_records') }} as street_records

    inner join repeated_crime_ids
        on street_records.crime_id = repeated_crime_ids.crime_id

    -- rows identical in every published column (the file and line aside)
    window identical_rows as (
        partition by
            street_records.crime_id, street_records.month, street_records.reported_by,
            street_records.falls_within, street_records.longitude, street_records.latitude,
            street_records.location, street_records.lsoa_code, street_records.lsoa_name,
            street_records.crime_type, street_records.last_outcome_category, street_records.context,
            street_records.force
    )

),

duplicates_flagged as (

    select * from single_rows
    union all
    select * from repeated_rows

),

with_name_prefix as (

    select
        *,
        nullif(regexp_extract(lsoa_name, '^(.*) \d{3}[A-Z]$', 1), '') as lsoa_name_district

    from duplicates_flagged

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
        identical_row_number > 1 as is_duplicate_row,
        identical_row_count,
        coalesce(crime_id_row_count > 1, false) as is_repeated_crime_id,
        crime_id_row_count,
        source_file,
        source_row

    from attributed

)

select * from final
