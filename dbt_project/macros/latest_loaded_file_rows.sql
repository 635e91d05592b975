{#
    latest_loaded_file_rows(relation, partition_by): the rows of `relation` (a raw table with
    source_file / source_row) that come, for each value of the `partition_by` columns (e.g. the
    data year), from the most recently received loaded file containing that value.

    A STATS19 data year can arrive in a year file, a multi-year file and a provisional mid-year
    file before the final one; population years in single- and multi-year files. Each partition
    is taken whole from one file, so a later provisional file replaces an earlier final one for
    its year only if it was received later (the order in which DfT and ONS publish).
#}
{% macro latest_loaded_file_rows(relation, partition_by) -%}
    {%- set keys = partition_by | join(', ') -%}
    select source_rows.*

    from {{ relation }} as source_rows

    inner join (

        select
            file_partitions.source_file,
            {%- for key in partition_by %}
                file_partitions.{{ key }}{{ "," if not loop.last }}
            {%- endfor %}

        from (select distinct source_file, {{ keys }} from {{ relation }}) as file_partitions

        inner join {{ source('meta', 'source_files') }} as source_files
            on file_partitions.source_file = source_files.sha256

        where source_files.status = 'loaded'

        qualify
            row_number() over (
                partition by {{ keys }}
                order by source_files.received_at desc, source_files.sha256 desc
            ) = 1

    ) as latest_files
        on
            source_rows.source_file = latest_files.source_file
            {%- for key in partition_by %}
                and source_rows.{{ key }} = latest_files.{{ key }}
            {%- endfor %}
{%- endmacro %}
