-- depends_on: {{ ref('fct_crime') }}
-- depends_on: {{ ref('fct_asb') }}
-- depends_on: {{ ref('fct_road_casualty') }}
-- depends_on: {{ ref('fct_domestic_abuse') }}
-- depends_on: {{ ref('fct_marac_quarterly') }}
-- depends_on: {{ ref('fct_fire_incident') }}
{{ config(materialized='table') }}

-- One row per source row contributing to an indicator (a crime counts towards all_crime and
-- its crime type), generated from the indicator_catalogue seed: what an auditor re-counts.
with

events as (

    {{ indicator_events() }}

),

final as (

    select * from events

)

select * from final
