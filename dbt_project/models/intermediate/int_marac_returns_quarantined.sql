-- The quarantined rows of loaded MARAC files (meta.quarantine) whose area and quarter can be read,
-- for int_marac_area_quarters: a return that was sent but not loaded. raw_record holds the file's
-- columns as sent; its "MARAC Area" (header in any case, value trimmed) is matched to the [marac]
-- areas setting (its district) and its "Quarter" read as YYYY/YY Qn (Q1 = April-June). One row per
-- quarantined row, its rules joined (check_names). Rows of superseded files are not returns.
with

quarantine as (

    select * from {{ ref('stg_meta__quarantine') }}

),

source_files as (

    select * from {{ ref('stg_meta__source_files') }}

),

marac_areas as (

    {{ marac_area_districts() }}

),

quarantined_records as (

    -- the quarantined rows of loaded MARAC files, their raw_record (the file's columns) as a map
    select
        quarantine.source_file,
        quarantine.file_name,
        quarantine.source_row,
        quarantine.check_name,
        json_transform(quarantine.raw_record, '"MAP(VARCHAR, VARCHAR)"') as record

    from quarantine

    inner join source_files
        on quarantine.source_file = source_files.source_file

    where
        quarantine.feed = 'marac_returns'
        and source_files.feed = 'marac_returns'
        and source_files.status = 'loaded'

),

quarantined_fields as (

    -- one row per field of each quarantined row (header names in any case)
    select
        source_file,
        file_name,
        source_row,
        check_name,
        lower(trim(unnest(map_keys(record)))) as field_name,
        trim(unnest(map_values(record))) as field_value

    from quarantined_records

),

quarantined_rows as (

    select
        source_file,
        file_name,
        source_row,
        string_agg(distinct check_name, ', ' order by check_name) as check_names,
        max(field_value) filter (where field_name = 'marac area') as marac_area,
        max(field_value) filter (where field_name = 'quarter') as quarter_text

    from quarantined_fields

    group by source_file, file_name, source_row

),

final as (

    -- the quarantined rows whose area and quarter can be read (YYYY/YY Qn, Q1 = April-June)
    select
        marac_areas.lad_code,
        quarantined_rows.marac_area,
        quarantined_rows.quarter_text,
        quarantined_rows.file_name,
        quarantined_rows.source_row,
        quarantined_rows.check_names,
        cast(
            make_date(
                cast(left(quarantined_rows.quarter_text, 4) as integer)
                + case when right(quarantined_rows.quarter_text, 1) = '4' then 1 else 0 end,
                case
                    when right(quarantined_rows.quarter_text, 1) = '4' then 1
                    else 3 * cast(right(quarantined_rows.quarter_text, 1) as integer) + 1
                end,
                1
            ) as date
        ) as quarter_start

    from quarantined_rows

    inner join marac_areas
        on quarantined_rows.marac_area = marac_areas.marac_area

    where regexp_full_match(quarantined_rows.quarter_text, '\d{4}/\d{2} Q[1-4]')

)

select * from final
