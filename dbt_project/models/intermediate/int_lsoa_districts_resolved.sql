with

lsoa_lookup as (

    select * from {{ ref('stg_ons__lsoa_lookup') }}

),

vintages as (

    select
        lsoa_code,
        bool_or(lsoa_vintage = 2011) as is_lsoa_2011,
        bool_or(lsoa_vintage = 2021) as is_lsoa_2021,
        count(distinct lad_code) as n_lad_codes

    from lsoa_lookup

    group by lsoa_code

),

latest_district as (

    -- the district of the latest local authority vintage wins (boundaries and codes change)
    select *

    from lsoa_lookup

    qualify
        row_number() over (
            partition by lsoa_code
            order by lad_vintage desc, lsoa_vintage desc, source_file desc, source_row asc
        ) = 1

),

final as (

    select
        latest_district.lsoa_code,
        latest_district.lsoa_name,
        latest_district.lsoa_vintage,
        latest_district.lad_code,
        latest_district.lad_name,
        latest_district.lad_vintage,
        vintages.is_lsoa_2011,
        vintages.is_lsoa_2021,
        vintages.n_lad_codes,
        latest_district.source_file,
        latest_district.source_row

    from latest_district

    inner join vintages
        on latest_district.lsoa_code = vintages.lsoa_code

)

select * from final
