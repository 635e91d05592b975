-- Each district's Community Safety Partnership and police force area, from the latest loaded
-- LAD -> CSP -> PFA lookup: for each nation (England E, Wales W) the rows of its latest vintage
-- (lad_vintage, then csp_vintage, then pfa_vintage) only. A whole vintage, never a district from
-- an older file: CSPs merge and districts are replaced, and an older file's retired district would
-- leave its CSP with a member that has no LSOAs and no population. A district missing from the
-- latest vintage (quarantined: given two CSPs or force areas in the file) has no CSP.
with

lookup as (

    select * from {{ ref('stg_ons__lad_csp_pfa') }}

),

nations as (

    select
        *,
        left(lad_code, 1) as nation

    from lookup

),

latest_vintages as (

    select
        nation,
        lad_vintage,
        csp_vintage,
        pfa_vintage

    from nations

    qualify
        row_number() over (
            partition by nation
            order by lad_vintage desc, csp_vintage desc, pfa_vintage desc
        ) = 1

),

final as (

    select
        nations.lad_code,
        nations.lad_name,
        nations.lad_vintage,
        nations.csp_code,
        nations.csp_name,
        nations.csp_vintage,
        nations.pfa_code,
        nations.pfa_name,
        nations.pfa_vintage,
        nations.source_file,
        nations.source_row

    from nations

    inner join latest_vintages
        on
            nations.nation = latest_vintages.nation
            and nations.lad_vintage = latest_vintages.lad_vintage
            and nations.csp_vintage = latest_vintages.csp_vintage
            and nations.pfa_vintage = latest_vintages.pfa_vintage

)

select * from final
