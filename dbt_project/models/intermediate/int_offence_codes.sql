-- Home Office offence codes with their offence group, police.uk crime type and unit cost of
-- crime: the seed's cost (2015/16 prices) unless a setting overrides the category's cost (the
-- unit costs the domain notes mark unverified live in [crime_costs] of the settings), and the
-- same cost uprated to the latest outturn year of the HM Treasury GDP deflator seed
-- (cost x deflator(latest) / deflator(price year), to the pound), so the Board sees costs in
-- today's prices.
-- A code without a cost category keeps the seed's reason it is not costed.
with

codes as (

    select * from {{ ref('home_office_offence_codes') }}

),

unit_costs as (

    select * from {{ ref('crime_unit_costs') }}

),

deflators as (

    select * from {{ ref('gdp_deflator') }}

),

overrides as (

    {{ unit_cost_overrides() }}

),

latest_deflator as (

    select
        financial_year as uprated_price_year,
        gdp_deflator_index as latest_index

    from deflators

    where not is_forecast

    order by financial_year desc

    limit 1

),

final as (

    select
        codes.ho_offence_code,
        codes.offence_description,
        codes.offence_group,
        codes.police_uk_crime_type,
        codes.is_violence_against_the_person,
        codes.cost_category,
        codes.not_costed_reason,
        coalesce(overrides.unit_cost_gbp, unit_costs.unit_cost_gbp) as unit_cost_gbp,
        unit_costs.price_year,
        -- to the whole pound: the published costs are rounded (to £10), and whole pounds keep every
        -- sum of costs exact, so areas and months add up to the penny
        round(
            coalesce(overrides.unit_cost_gbp, unit_costs.unit_cost_gbp)
            * latest_deflator.latest_index / base_deflator.gdp_deflator_index
        ) as unit_cost_gbp_uprated,
        case when unit_costs.cost_category is not null then latest_deflator.uprated_price_year end
            as uprated_price_year,
        overrides.unit_cost_gbp is not null as is_unit_cost_from_settings

    from codes

    left join unit_costs
        on codes.cost_category = unit_costs.cost_category

    left join overrides
        on codes.cost_category = overrides.cost_category

    left join deflators as base_deflator
        on unit_costs.price_year = base_deflator.financial_year

    cross join latest_deflator

)

select * from final
