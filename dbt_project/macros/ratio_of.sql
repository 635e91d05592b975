{#
    ratio_of(numerator, denominator, scale): a ratio indicator's value, scale x numerator /
    denominator, and null when the denominator is 0 or null (no share of nothing). The one rule
    for every ratio window (month, quarter, same quarter last year, rolling 12 months).
#}
{% macro ratio_of(numerator, denominator, scale) -%}
    case when {{ denominator }} > 0 then {{ scale }} * {{ numerator }} / {{ denominator }} end
{%- endmacro %}
