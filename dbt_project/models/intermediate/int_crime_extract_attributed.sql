-- The crime extract's crimes with their district (LSOA -> district through the ONS lookups),
-- offence group, unit cost, key issue and night-time economy flag.
--
-- Night-time economy (NTE): committed (committed_from) between var('nte_start_hour') and
-- var('nte_end_hour') on a Friday or Saturday night, in a town-centre LSOA of
-- var('town_centre_lsoas'). The night is that of the evening it started: a crime at 02:00 on a
-- Saturday belongs to Friday night (`night_of` is the date of the evening).
--
-- key_issue: one per crime, in the order domestic abuse, exploitation (CSE or CCE), serious
-- organised crime (OCG), hate crime (any strand), violence (violence against the person); null
-- otherwise. Indicators count flags, not key_issue, so a crime with several flags counts in each.
with

crimes as (

    select * from {{ ref('stg_police__crime_extract') }}

),

offence_codes as (

    select * from {{ ref('int_offence_codes') }}

),

lsoa_districts as (

    select * from {{ ref('int_lsoa_districts_resolved') }}

),

joined as (

    select
        crimes.*,
        offence_codes.offence_group,
        offence_codes.police_uk_crime_type,
        coalesce(offence_codes.is_violence_against_the_person, false) as is_violence_against_the_person,
        offence_codes.cost_category,
        offence_codes.unit_cost_gbp,
        offence_codes.price_year,
        offence_codes.unit_cost_gbp_uprated,
        offence_codes.uprated_price_year,
        lsoa_districts.lsoa_name,
        lsoa_districts.lad_code,
        lsoa_districts.lad_name,
        hour(crimes.committed_from) as committed_hour

    from crimes

    left join offence_codes
        on crimes.ho_offence_code = offence_codes.ho_offence_code

    left join lsoa_districts
        on crimes.lsoa_code = lsoa_districts.lsoa_code

),

flagged as (

    select
        *,
        case
            when committed_hour < {{ var('nte_end_hour') }} then cast(committed_from as date) - 1
            else cast(committed_from as date)
        end as night_of,
        (
            committed_hour >= {{ var('nte_start_hour') }} or committed_hour < {{ var('nte_end_hour') }}
        ) as is_night_hours,
        coalesce(lsoa_code in ({{ town_centre_lsoas_list() }}), false) as is_town_centre,
        (
            flag_hate_race or flag_hate_religion or flag_hate_sexual_orientation
            or flag_hate_transgender or flag_hate_disability
        ) as is_hate_crime,
        victim_age_band in ('15-17', '18-20', '21-25') as is_victim_aged_15_25

    from joined

),

final as (

    select
        *,
        is_night_hours and is_town_centre and isodow(night_of) in (5, 6) as is_night_time_economy,
        case
            when flag_domestic_abuse then 'domestic abuse'
            when flag_cse or flag_cce then 'exploitation'
            when flag_ocg then 'serious organised crime'
            when is_hate_crime then 'hate crime'
            when is_violence_against_the_person then 'violence'
        end as key_issue,
        case
            when lsoa_code is null then 'no_location'
            when lad_code is null then 'unattributed'
            else 'lookup'
        end as attribution_method

    from flagged

)

select * from final
