{% test unique_combination_of_columns(model, combination) %}

with

grouped as (

    select
        {{ combination | join(', ') }},
        count(*) as n_rows

    from {{ model }}

    group by all

    having count(*) > 1

)

select * from grouped

{% endtest %}
