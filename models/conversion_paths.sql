{{ config(materialized='table', tags=['core', 'output', 'paths']) }}
{#- One row per conversion (and per account that did not convert, for each
    conversion type): the ordered channels of the touches before it. A path
    with no touch in its window has length 0 and an empty channel_path. -#}
select
    path_id,
    account_id,
    person_id,
    opportunity_id,
    converted,
    conversion_stage,
    converted_at,
    revenue,
    coalesce(string_agg(channel, ' > ' order by position), '') as channel_path,
    count(touchpoint_id) as path_length
from {{ ref('int_path_touches') }}
group by path_id, account_id, person_id, opportunity_id, converted, conversion_stage, converted_at, revenue
