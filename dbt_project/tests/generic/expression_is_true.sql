{#
    Fails for every row where `expression` is not true (false or null). Restrict the rows with
    dbt's own `where` test config.
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *

from {{ model }}

where not coalesce(({{ expression }}), false)

{% endtest %}
