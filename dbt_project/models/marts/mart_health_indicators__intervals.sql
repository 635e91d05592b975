{{ config(materialized='view') }}

-- Step of mart_health_indicators__periods: every overall figure (no category) of
-- fct_health_indicator with the 95% interval it is judged by: the published one, else, where it
-- has a count, a 95% interval for the count (Byar's approximation to the exact Poisson interval)
-- scaled to the value (`judged_by` says which); none otherwise.
with

facts as (

    select * from {{ ref('fct_health_indicator') }}

    where category_type = '' and category = ''

),

final as (

    select
        facts.*,
        case
            when facts.lower_ci_95 is not null and facts.upper_ci_95 is not null then 'published 95% CI'
            when facts.value is not null and facts.numerator_count > 0 then 'count (Poisson 95% CI)'
        end as judged_by,
        case
            when facts.lower_ci_95 is not null and facts.upper_ci_95 is not null then facts.lower_ci_95
            when facts.value is not null and facts.numerator_count > 0
                then facts.value
                    * power(1 - 1 / (9 * facts.numerator_count) - 1.96 / (3 * sqrt(facts.numerator_count)), 3)
        end as judge_lower,
        case
            when facts.lower_ci_95 is not null and facts.upper_ci_95 is not null then facts.upper_ci_95
            when facts.value is not null and facts.numerator_count > 0
                then facts.value / facts.numerator_count * (facts.numerator_count + 1)
                    * power(
                        1 - 1 / (9 * (facts.numerator_count + 1)) + 1.96 / (3 * sqrt(facts.numerator_count + 1)), 3
                    )
        end as judge_upper

    from facts

)

select * from final
