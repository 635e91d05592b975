{#
    cluster_members(): one row per configured cluster and member district, from var('clusters')
    (cluster name -> list of ONS district codes), e.g. ('CLUSTER_NORTH', 'North cluster',
    'north', 'E07000121'). Cluster membership is a setting, never code. No clusters, or clusters
    without members, give no rows.
#}
{% macro cluster_members() -%}
    {%- set pairs = [] -%}
    {%- for cluster, members in var('clusters').items() | sort -%}
        {%- for member in members -%}
            {%- do pairs.append((cluster, member)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if pairs | length == 0 -%}
        select
            cast(null as varchar) as area_code,
            cast(null as varchar) as area_name,
            cast(null as varchar) as cluster,
            cast(null as varchar) as lad_code
        where false
    {%- else -%}
        select
            cluster_members.area_code,
            cluster_members.area_name,
            cluster_members.cluster,
            cluster_members.lad_code
        from (
            values
            {%- for cluster, member in pairs %}
                (
                    'CLUSTER_{{ cluster | upper }}',
                    '{{ cluster | replace("_", " ") | capitalize }} cluster',
                    '{{ cluster }}',
                    '{{ member }}'
                ){{ "," if not loop.last }}
            {%- endfor %}
        ) as cluster_members (area_code, area_name, cluster, lad_code)
    {%- endif -%}
{%- endmacro %}
