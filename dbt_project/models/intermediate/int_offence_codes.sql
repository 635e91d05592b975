-- Home Office offence codes with their offence group, police.uk crime type and unit cost of
-- crime (2015/16 prices): the seed's cost unless a setting overrides the category's cost
-- (the unit costs the domain notes mark unverified live in [crime_costs] of the settings).
with

codes as (

    select * from {{ ref('home_office_offence_codes') }}

),

unit_costs as (

    select * from {{ ref('crime_unit_costs') }}

),

overrides as (

    {{ unit_cost_overrides() }}

),

final as (

    select
        codes.ho_offence_code,
        codes.offence_description,
        codes.offence_group,
        codes.police_uk_crime_type,
        codes.is_violence_against_the_person,
        codes.cost_category,
        coalesce(overrides.unit_cost_gbp, unit_costs.unit_cost_gbp) as unit_cost_gbp,
        unit_costs.price_year,
        overrides.unit_cost_gbp is not null as is_unit_cost_from_settings

    from codes

    left join unit_costs
        on codes.cost_category = unit_costs.cost_category

    left join overrides
        on codes.cost_category = overrides.cost_category

)

select * from final
