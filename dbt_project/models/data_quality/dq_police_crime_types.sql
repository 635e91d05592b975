-- police.uk rows by month, force and crime type, with whether the type is in the
-- police_crime_types seed: a crime type police.uk starts publishing (or renames) shows here as
-- not known, before any indicator silently misses it.
with

street_records as (

    select * from {{ ref('stg_police__street_records') }}

),

crime_types as (

    select * from {{ ref('police_crime_types') }}

),

counted as (

    select
        month,
        force,
        crime_type,
        count(*) as n_rows

    from street_records

    group by month, force, crime_type

),

final as (

    select
        counted.month,
        counted.force,
        counted.crime_type,
        counted.n_rows,
        crime_types.crime_type is not null as is_known_crime_type,
        coalesce(crime_types.is_legacy, false) as is_legacy_crime_type

    from counted

    left join crime_types
        on counted.crime_type = crime_types.crime_type

)

select * from final
