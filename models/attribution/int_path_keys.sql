{{ config(materialized='table', schema='staging', tags=['intermediate', 'attribution', 'shapley']) }}
{#- Each path's element sequence after path_transform as one text key
    ("A > B > C"): paths with the same key share their Shapley credits.
    Built once for int_shapley_credits (every path) and attribution_touchpoints
    (the converting ones): the ordered string_agg over millions of touches is
    the costliest step of both. -#}
select
    path_id,
    conversion_stage,
    converted,
    string_agg(label, ' > ' order by element) as path_key
from {{ ref('int_path_elements') }}
where is_element_start
group by path_id, conversion_stage, converted
