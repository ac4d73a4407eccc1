{{ config(materialized='table', tags=['core', 'output', 'journeys']) }}
{#- Each account's touches in order, with the days since the previous one, the
    stage the account was in at the time, and whether the gap before it was a
    stall (longer than journey.stall_days). -#}
with touches as (
    select account_id, touchpoint_id, occurred_at, channel, touch_type, person_id, is_marketing_touch
    from {{ ref('touchpoints') }}
    where account_id is not null
),
ordered as (
    select
        *,
        row_number() over (partition by account_id order by occurred_at, touchpoint_id) as seq,
        lag(occurred_at) over (partition by account_id order by occurred_at, touchpoint_id) as previous_at
    from touches
),
stage_firsts as (
    select account_id, stage, stage_index, min(reached_at) as reached_at
    from {{ ref('stage_events') }}
    group by account_id, stage, stage_index
),
staged as (
    -- The furthest stage reached at or before the touch.
    select o.account_id, o.touchpoint_id, max(s.stage_index) as stage_index
    from ordered as o
    join stage_firsts as s on s.account_id = o.account_id and s.reached_at <= o.occurred_at
    group by o.account_id, o.touchpoint_id
)
select
    o.account_id,
    o.seq,
    o.touchpoint_id,
    o.occurred_at,
    o.channel,
    o.touch_type,
    o.person_id,
    o.is_marketing_touch,
    case when o.previous_at is null then null else {{ datediff_days('o.previous_at', 'o.occurred_at') }} end as days_since_prev,
    coalesce(
        case st.stage_index
        {%- for s in journey.stages %}
            when {{ loop.index }} then '{{ s }}'
        {%- endfor %}
        end,
        'pre_awareness'
    ) as stage_at_touch,
    coalesce(o.previous_at is not null and {{ datediff_days('o.previous_at', 'o.occurred_at') }} > {{ journey.stall_days }}, false) as is_stall_gap
from ordered as o
left join staged as st on st.account_id = o.account_id and st.touchpoint_id = o.touchpoint_id
