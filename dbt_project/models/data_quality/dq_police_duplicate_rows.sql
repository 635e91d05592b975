-- police.uk crime rows that repeat: rows identical in every column to another row, and Crime
-- IDs that occur on more than one row (the same crime in later months, or re-used IDs). They
-- are flagged here and in fct_crime, never dropped.
with

street_records as (

    select * from {{ ref('int_police_street_attributed') }}

),

repeated as (

    select * from street_records

    where identical_row_count > 1 or is_repeated_crime_id

),

final as (

    select
        crime_id,
        month,
        force,
        crime_type,
        lsoa_code,
        location,
        last_outcome_category,
        case
            when identical_row_count > 1 then 'identical_row'
            else 'repeated_crime_id'
        end as duplicate_kind,
        identical_row_count > 1 as is_in_identical_group,
        identical_row_count,
        is_duplicate_row,
        is_repeated_crime_id,
        crime_id_row_count,
        source_file,
        source_row

    from repeated

)

select * from final
