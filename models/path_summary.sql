{{ config(materialized='table', tags=['core', 'output', 'paths']) }}
{#- Distinct channel paths per conversion type: how often each ended in a
    conversion or not, and the revenue of the conversions. -#}
select
    conversion_stage,
    channel_path,
    sum(case when converted then 1 else 0 end) as conversions,
    sum(case when converted then 0 else 1 end) as non_conversions,
    sum(revenue) as revenue
from {{ ref('conversion_paths') }}
group by conversion_stage, channel_path
