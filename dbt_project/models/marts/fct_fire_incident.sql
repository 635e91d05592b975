-- One row per incident the fire and rescue service attended (loaded files), with the Incident
-- Recording System's categories as flags and the district it is attributed to. No references or
-- pseudonyms: rows are traced by source_file/source_row.
--
-- Attribution (attribution_method): the LSOA's district through the resolved ONS lookups, as for
-- the police extract (`lookup`); else, when the row gives a district or unitary code (E06-E09,
-- W06), that district (`district_code`); else unattributed, by reason: an LSOA in no lookup
-- (`unknown_lsoa`) or a ward code only (`ward_code`: no ward lookup is loaded). Unattributed rows
-- count in the partnership's area total only (the fire service area is the partnership's), and
-- are listed by dq_fire_unattributed_rows.
with

incidents as (

    select * from {{ ref('stg_fire__incidents') }}

),

lsoa_districts as (

    select * from {{ ref('int_lsoa_districts_resolved') }}

),

areas as (

    select * from {{ ref('lancashire_areas') }}

),

named_districts as (

    select
        lad_code,
        lad_name

    from lsoa_districts

    union all

    select
        area_code as lad_code,
        area_name as lad_name

    from areas

    where area_type in ('district', 'unitary')

),

district_names as (

    -- a district's name from the lookups or the partnership's areas (the same name in both)
    select
        lad_code,
        min(lad_name) as lad_name

    from named_districts

    group by lad_code

),

attributed as (

    select
        incidents.*,
        lsoa_districts.lsoa_name,
        regexp_full_match(coalesce(incidents.area_code, ''), '(E0[6-9]|W06)[0-9]{6}') as is_district_code,
        lsoa_districts.lad_code as lsoa_lad_code

    from incidents

    left join lsoa_districts
        on incidents.lsoa_code = lsoa_districts.lsoa_code

),

resolved as (

    select
        *,
        case
            when lsoa_lad_code is not null then 'lookup'
            when is_district_code then 'district_code'
            when lsoa_code is not null then 'unknown_lsoa'
            else 'ward_code'
        end as attribution_method,
        coalesce(lsoa_lad_code, case when is_district_code then area_code end) as lad_code

    from attributed

),

final as (

    select
        'fire_incidents' as source_system,
        resolved.month,
        resolved.call_datetime,
        resolved.incident_group,
        resolved.fire_type,
        resolved.cause,
        resolved.property_category,
        resolved.incident_group = 'fire' as is_fire,
        coalesce(resolved.incident_group = 'fire' and resolved.fire_type = 'primary', false) as is_primary_fire,
        coalesce(resolved.incident_group = 'fire' and resolved.fire_type = 'secondary', false) as is_secondary_fire,
        coalesce(resolved.incident_group = 'fire' and resolved.fire_type = 'chimney', false) as is_chimney_fire,
        coalesce(resolved.cause = 'deliberate', false) as is_deliberate,
        coalesce(resolved.cause = 'accidental', false) as is_accidental,
        resolved.property_category = 'dwelling' as is_dwelling,
        resolved.lsoa_code,
        resolved.lsoa_name,
        resolved.area_code,
        resolved.lad_code,
        district_names.lad_name,
        resolved.attribution_method,
        resolved.source_file,
        resolved.source_row

    from resolved

    left join district_names
        on resolved.lad_code = district_names.lad_code

)

select * from final
