-- One row per domestic abuse crime (DA-flagged crime of the force extract) and per domestic
-- abuse incident that is not a crime, with the DASH risk level (incidents) and whether the victim
-- is a repeat victim. No references or pseudonyms: rows are traced by source_file/source_row.
with

events as (

    select * from {{ ref('int_domestic_abuse_events') }}

),

final as (

    select
        record_type,
        source_system,
        month,
        occurred_at,
        lsoa_code,
        lad_code,
        lad_name,
        attribution_method,
        ho_offence_code,
        offence_group,
        dash_risk_level,
        coalesce(dash_risk_level = 'high', false) as is_high_risk,
        is_repeat_victim,
        source_file,
        source_row

    from events

)

select * from final
