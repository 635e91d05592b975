-- MARAC returns whose MARAC area is not in the [marac] areas setting: loaded, but counted
-- towards no district until the setting names the district the area reports for.
with

marac as (

    select * from {{ ref('fct_marac_quarterly') }}

),

final as (

    select
        marac_area,
        quarter,
        cases_discussed,
        source_file,
        source_row

    from marac

    where lad_code is null

)

select * from final
