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

imd_ranks as (

    -- an IMD rank belongs to the LSOA, not to a district vintage: the latest IMD edition of any
    -- loaded file of the LSOA's vintage, the most recently received winning, so that a later
    -- lookup without ranks (a ward lookup of the same vintages) does not hide them
    select
        lsoa_code,
        lsoa_vintage,
        imd_rank,
        imd_vintage

    from loaded_rows

    where imd_rank is not null

    qualify
        row_number() over (
            partition by lsoa_code, lsoa_vintage
            order by imd_vintage desc, received_at desc, source_file desc, source_row asc
        ) = 1

),

final as (

    select
        trim(distinct_lsoas.lsoa_code) as lsoa_code,
        trim(distinct_lsoas.lsoa_name) as lsoa_name,
        distinct_lsoas.lsoa_vintage,
        trim(distinct_lsoas.lad_code) as lad_code,
        trim(distinct_lsoas.lad_name) as lad_name,
        distinct_lsoas.lad_vintage,
        imd_ranks.imd_rank,
        imd_ranks.imd_vintage,
        distinct_lsoas.source_file,
        distinct_lsoas.source_row

    from distinct_lsoas

    left join imd_ranks
        on
            distinct_lsoas.lsoa_code = imd_ranks.lsoa_code
            and distinct_lsoas.lsoa_vintage = imd_ranks.lsoa_vintage

)

select * from final
