{{ config(materialized='table') }}
{#- Benchmark stand-in: the milestones of the synthetic paths (an MQL at the
    second touch, the opportunity at the last but one, closed-won at the end). -#}
select
    account_id,
    cast(null as {{ sql_type('key') }}) as person_id,
    case when stage in ('opportunity', 'closed_won') then opportunity_id end as opportunity_id,
    stage,
    case stage when 'mql' then 2 when 'opportunity' then 4 else 5 end as stage_index,
    reached_at,
    case when stage = 'closed_won' then revenue end as value
from (
    select account_id, opportunity_id, revenue, 'mql' as stage, min(case when position = 2 then occurred_at end) as reached_at
    from {{ ref('int_path_touches') }} where converted group by account_id, opportunity_id, revenue
    union all
    select account_id, opportunity_id, revenue, 'opportunity', max(case when position = greatest(path_length - 1, 1) then occurred_at end)
    from {{ ref('int_path_touches') }} where converted group by account_id, opportunity_id, revenue
    union all
    select account_id, opportunity_id, revenue, 'closed_won', max(converted_at)
    from {{ ref('int_path_touches') }} where converted group by account_id, opportunity_id, revenue
) as s
where reached_at is not null
