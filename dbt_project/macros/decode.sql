{#
    decode(table, variable, column): the label of a STATS19 code from the code_lists seed, as in
    ropensci/stats19's format functions. `table` and `variable` name the code list (the raw table
    and column the code comes from); `column` is the SQL expression holding the code. Codes
    missing from the list decode to null.
#}
{% macro decode(table, variable, column) -%}
    (
        select code_lists.label
        from {{ ref('code_lists') }} as code_lists
        where
            code_lists."table" = '{{ table }}'
            and code_lists.variable = '{{ variable }}'
            and code_lists.code = cast({{ column }} as varchar)
    )
{%- endmacro %}
