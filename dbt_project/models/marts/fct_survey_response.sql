-- One row per residents' survey respondent and wave, with the district, the survey weight and the
-- three perception indicators as 0/1 flags (null = "don't know" or not answered: excluded from
-- the indicator's base). No references or pseudonyms: rows are traced by source_file/source_row.
with

responses as (

    select * from {{ ref('stg_survey__responses') }}

),

areas as (

    select * from {{ ref('lancashire_areas') }}

),

final as (

    select
        responses.wave,
        responses.wave_label,
        responses.wave_kind,
        responses.wave_start,
        responses.wave_end_month,
        -- the financial year and quarter the wave ends in (2024/25 Q1 = April-June 2024)
        case
            when month(responses.wave_end_month) >= 4 then year(responses.wave_end_month)
            else year(responses.wave_end_month) - 1
        end || '/' || right(cast(
            case
                when month(responses.wave_end_month) >= 4 then year(responses.wave_end_month) + 1
                else year(responses.wave_end_month)
            end as varchar
        ), 2) as financial_year,
        ((month(responses.wave_end_month) + 8) % 12) // 3 + 1 as fy_quarter,
        responses.lad_code,
        areas.area_name as lad_name,
        responses.age_band,
        responses.sex,
        responses.weight,
        responses.safe_day,
        responses.safe_after_dark,
        responses.agencies_deal,
        case
            when responses.safe_day in ('very_safe', 'fairly_safe') then 1
            when responses.safe_day in ('a_bit_unsafe', 'very_unsafe') then 0
        end as feels_safe_day,
        case
            when responses.safe_after_dark in ('very_safe', 'fairly_safe') then 1
            when responses.safe_after_dark in ('a_bit_unsafe', 'very_unsafe') then 0
        end as feels_safe_after_dark,
        case
            when responses.agencies_deal in ('strongly_agree', 'tend_to_agree') then 1
            when responses.agencies_deal in ('neither', 'tend_to_disagree', 'strongly_disagree') then 0
        end as agrees_agencies_deal,
        responses.source_file,
        responses.source_row

    from responses

    left join areas
        on responses.lad_code = areas.area_code

)

select * from final
