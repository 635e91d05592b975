-- The Board's OHID Fingertips indicators (seed fingertips_indicators, is_selected) for the
-- partnership's areas (seed lancashire_areas) and England (E92000001, the comparator): one row
-- per indicator x area x sex x age (overall figures, no category), with the latest published
-- period, the previous period of the same grain and length, England's figure for the latest
-- period, and two judgements made the way Fingertips makes them, from confidence intervals:
--
-- * change (latest against previous): intervals that do not overlap mean a significant change,
--   improved or worsened by the indicator's polarity; overlapping: no significant change;
-- * position against England: the area's interval above, overlapping or below England's
--   (better / similar / worse by polarity).
--
-- The interval is the published 95% one; where a figure has no published interval but a count,
-- a 95% interval for the count (Byar's approximation to the exact Poisson interval) scaled to
-- the value is used instead (`change_judged_by`, `england_judged_by` say which).
--
-- The judgements are made in mart_health_indicators__periods for every period; this is its latest.
with

periods as (

    select * from {{ ref('mart_health_indicators__periods') }}

),

final as (

    select * exclude (recency, change_direction, england_direction)

    from periods

    where recency = 1

)

select * from final
