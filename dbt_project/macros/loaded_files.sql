{#
    loaded_files(feed): the files of `feed` whose rows staging reads, one row per file
    (`source_file` = the sha256, `received_at`). Only status `loaded`: a superseded, held,
    rejected or ignored file's rows stay in raw as the record, never in staging. The one place
    staging models say which files count.
#}
{% macro loaded_files(feed) -%}
    select
        sha256 as source_file,
        received_at

    from {{ source('meta', 'source_files') }}

    where status = 'loaded' and feed = '{{ feed }}'
{%- endmacro %}
