with

source as (

    select * from {{ source('raw', 'ons_lsoa_lookup') }}

),

source_files as (

    select * from {{ source('meta', 'source_files') }}

),

loaded_rows as (

    select
        source.*,
        source_files.received_at

    from source

    inner join source_files
        on source.source_file = source_files.sha256

    where source_files.status = 'loaded'

),

distinct_lsoas as (

    -- one row per LSOA and vintage pair; a file repeats an LSOA once per ward, and two loaded
    -- files may both map the same vintages: the most recently received row is kept
    select *

    from loaded_rows

    qualify
        row_number() over (
            partition by lsoa_code, lsoa_vintage, lad_vintage
            order by received_at desc, source_file desc, source_row asc
        ) = 1

),

final as (

    select
        trim(lsoa_code) as lsoa_code,
        trim(lsoa_name) as lsoa_name,
        lsoa_vintage,
        trim(lad_code) as lad_code,
        trim(lad_name) as lad_name,
        lad_vintage,
        source_file,
        source_row

    from distinct_lsoas

)

select * from final
