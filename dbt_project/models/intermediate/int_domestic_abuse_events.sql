-- Domestic abuse crimes (DA-flagged crimes of the force extract) and DA incidents (not crimes),
-- one row each, with the victim's pseudonym kept here (staging) to find repeat victims.
--
-- Repeat victim: an incident carries the force's own flag; a crime is a repeat-victim crime
-- when the same victim (pseudonym) has a DA crime or DA incident strictly earlier and at most
-- 365 days before it (the MARAC definition of a repeat: again within 12 months). A crime without
-- a victim reference is not a repeat.
with

crimes as (

    select * from {{ ref('int_crime_extract_attributed') }}

    where flag_domestic_abuse

),

incidents as (

    select * from {{ ref('stg_police__da_incidents') }}

),

lsoa_districts as (

    select * from {{ ref('int_lsoa_districts_resolved') }}

),

crime_events as (

    select
        'crime' as record_type,
        'police_crime_extract' as source_system,
        month,
        committed_from as occurred_at,
        lsoa_code,
        lad_code,
        lad_name,
        attribution_method,
        ho_offence_code,
        offence_group,
        cast(null as varchar) as dash_risk_level,
        cast(null as boolean) as reported_repeat_victim,
        victim_reference,
        source_file,
        source_row

    from crimes

),

incident_events as (

    select
        'incident' as record_type,
        'police_da_incidents' as source_system,
        incidents.month,
        incidents.incident_datetime as occurred_at,
        incidents.lsoa_code,
        lsoa_districts.lad_code,
        lsoa_districts.lad_name,
        case
            when incidents.lsoa_code is null then 'no_location'
            when lsoa_districts.lad_code is null then 'unattributed'
            else 'lookup'
        end as attribution_method,
        cast(null as varchar) as ho_offence_code,
        cast(null as varchar) as offence_group,
        incidents.dash_risk_level,
        incidents.repeat_victim as reported_repeat_victim,
        incidents.victim_reference,
        incidents.source_file,
        incidents.source_row

    from incidents

    left join lsoa_districts
        on incidents.lsoa_code = lsoa_districts.lsoa_code

),

events as (

    select * from crime_events
    union all
    select * from incident_events

),

earlier_contacts as (

    select distinct
        later.source_file,
        later.source_row

    from events as later

    inner join events as earlier
        on
            later.victim_reference = earlier.victim_reference
            and later.occurred_at > earlier.occurred_at
            and later.occurred_at - interval 365 day <= earlier.occurred_at

    where later.record_type = 'crime'

),

final as (

    select
        events.*,
        case
            when events.record_type = 'incident' then coalesce(events.reported_repeat_victim, false)
            else earlier_contacts.source_row is not null
        end as is_repeat_victim

    from events

    left join earlier_contacts
        on
            events.source_file = earlier_contacts.source_file
            and events.source_row = earlier_contacts.source_row

)

select * from final
