-- District -> Community Safety Partnership -> police force area of loaded lookup files: one row per
-- district and vintage, the most recently received file winning.
with

source as (

    select * from {{ source('raw', 'ons_lad_csp_pfa') }}

),

loaded_files as (

    {{ loaded_files('ons_lad_csp_pfa') }}

),

loaded_rows as (

    select
        source.*,
        loaded_files.received_at

    from source

    inner join loaded_files
        on source.source_file = loaded_files.source_file

),

latest_districts as (

    -- a file may repeat a district with the same CSP and force area (a district given two is
    -- quarantined), and an England and an England-and-Wales lookup of one vintage may both map it
    select *

    from loaded_rows

    qualify
        row_number() over (
            partition by lad_code, lad_vintage, csp_vintage, pfa_vintage
            order by received_at desc, source_file desc, source_row asc
        ) = 1

),

final as (

    select
        trim(lad_code) as lad_code,
        trim(lad_name) as lad_name,
        lad_vintage,
        trim(csp_code) as csp_code,
        trim(csp_name) as csp_name,
        csp_vintage,
        trim(pfa_code) as pfa_code,
        trim(pfa_name) as pfa_name,
        pfa_vintage,
        source_file,
        source_row

    from latest_districts

)

select * from final
