{#
    ratio_of(numerator, denominator, scale): a ratio indicator's value, scale x numerator /
    denominator, and null when the denominator is 0 or null (no share of nothing). The one rule
    for every ratio window (month, quarter, same quarter last year, rolling 12 months).

    ratio_value_status(numerator_status, denominator_status, denominator) and
    ratio_value_status_reason(...): why a ratio's value is or is not available. A component that
    is not available (not_received, quarantined) makes the ratio so, for the component's reason
    (the numerator's first); otherwise a denominator of 0 or absent (null) is `no_denominator`.
#}
{% macro ratio_of(numerator, denominator, scale) -%}
    case when {{ denominator }} > 0 then {{ scale }} * {{ numerator }} / {{ denominator }} end
{%- endmacro %}

{% macro ratio_value_status(numerator_status, denominator_status, denominator) -%}
    case
        when {{ numerator_status }} != 'available' then {{ numerator_status }}
        when {{ denominator_status }} != 'available' then {{ denominator_status }}
        when {{ denominator }} > 0 then 'available'
        else 'no_denominator'
    end
{%- endmacro %}

{% macro ratio_value_status_reason(
    numerator_status, numerator_reason, denominator_status, denominator_reason, denominator, denominator_id
) -%}
    case
        when {{ numerator_status }} != 'available' then {{ numerator_reason }}
        when {{ denominator_status }} != 'available' then {{ denominator_reason }}
        when {{ denominator }} > 0 then null
        else 'denominator ' || {{ denominator_id }} || ' is 0 or absent'
    end
{%- endmacro %}
