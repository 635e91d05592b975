-- District boundaries of loaded files (ONS GeoJSON): one row per district and vintage, the most
-- recently received file winning. The outline becomes one shape for both geometry types (a Polygon
-- is a MultiPolygon of one polygon) with coordinates rounded to 4 decimals (about 10 m, below a
-- pixel on any map of a county): the dashboard embeds it, and full precision would double the page.
-- All in list lambdas over the parsed coordinates: no row-by-row code.
with

source as (

    select * from {{ source('raw', 'ons_boundaries') }}

),

loaded_files as (

    {{ loaded_files('ons_boundaries') }}

),

loaded_rows as (

    select
        source.*,
        loaded_files.received_at

    from source

    inner join loaded_files
        on source.source_file = loaded_files.source_file

),

latest_districts as (

    -- a national and a regional file of one vintage may both draw a district
    select *

    from loaded_rows

    qualify
        row_number() over (
            partition by lad_code, lad_vintage
            order by received_at desc, source_file desc, source_row asc
        ) = 1

),

multipolygons as (

    select
        *,
        case
            when geometry_type = 'Polygon'
                then [json_transform(geometry -> 'coordinates', '"DOUBLE[][][]"')]
            else json_transform(geometry -> 'coordinates', '"DOUBLE[][][][]"')
        end as polygons

    from latest_districts

),

rounded as (

    select
        *,
        -- longitude and latitude only (a third, height, coordinate is dropped), 4 decimals; what
        -- cannot be drawn is left out (a position that is not two numbers, a ring of fewer than
        -- four positions, a polygon left with no ring): the feed's rules quarantine such features,
        -- this keeps the model's own tests true whatever a file held
        list_filter(
            list_transform(
                polygons,
                polygon -> list_filter(
                    list_transform(
                        polygon,
                        ring -> list_filter(
                            list_transform(ring, xy -> list_transform(xy[1:2], c -> round(c, 4))),
                            xy -> len(xy) = 2 and xy[1] is not null and xy[2] is not null
                        )
                    ),
                    ring -> len(ring) >= 4
                )
            ),
            polygon -> len(polygon) > 0
        ) as rounded_polygons

    from multipolygons

),

positions as (

    select
        *,
        flatten(flatten(rounded_polygons)) as all_positions

    from rounded

    where len(rounded_polygons) > 0

),

final as (

    select
        trim(lad_code) as lad_code,
        trim(lad_name) as lad_name,
        lad_vintage,
        'MultiPolygon' as geometry_type,
        json_object('type', 'MultiPolygon', 'coordinates', rounded_polygons)::varchar as geojson,
        -- where a label goes: the middle of the district's extent
        round(
            (
                list_min(list_transform(all_positions, p -> p[1]))
                + list_max(list_transform(all_positions, p -> p[1]))
            ) / 2,
            4
        ) as label_longitude,
        round(
            (
                list_min(list_transform(all_positions, p -> p[2]))
                + list_max(list_transform(all_positions, p -> p[2]))
            ) / 2,
            4
        ) as label_latitude,
        source_file,
        source_row

    from positions

)

select * from final
