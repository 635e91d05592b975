{#
    published_value_models_sql(): the catalogue source models whose indicators are not counts of
    events but figures estimated or published elsewhere, one per area and period, as a SQL list
    for `source_model in ...`: the residents' survey estimates (mart_survey_indicators) and OHID
    Fingertips figures (mart_health_indicators). They have no events (indicator_events skips
    them), no months in mart_indicator_monthly and no rolling windows;
    mart_scorecard_quarterly__published_values puts them in the scorecard.
#}
{% macro published_value_models_sql() -%}
    ('mart_survey_indicators', 'mart_health_indicators')
{%- endmacro %}
