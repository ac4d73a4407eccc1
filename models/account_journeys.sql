{{ config(
    materialized='incremental',
    unique_key='account_id',
    incremental_strategy='delete+insert',
    tags=['core', 'output', 'journeys']
) }}
{#- An incremental run rebuilds the accounts whose touches or stages were
    rewritten since this table's newest stamp, and drops those left with no
    touch. -#}
{%- set changed_accounts = accounts_changed_since(this) %}
{{ config(scope=changed_accounts) }}
{#- Each account's touches in order, with the days since the previous one, the
    stage the account was in at the time, and whether the gap before it was a
    stall (longer than journey.stall_days). -#}
{#- One sort does it all: the account's stage changes are interleaved with its
    touches on one timeline (a stage reached at the time of a touch sorts
    before it), and running aggregates over that timeline give each touch its
    position, the previous touch's time and the furthest stage reached so far.
    A join of every touch with every earlier stage change costs several times
    more at volume. -#}
{%- set timeline_order = 'partition by account_id order by occurred_at, is_touch, touchpoint_id' %}
with
{%- if is_incremental() %}
scope_accounts as (
    {{ changed_accounts }}
),
{%- endif %}
touches as (
    select account_id, touchpoint_id, occurred_at, channel, touch_type, person_id, is_marketing_touch
    from {{ ref('int_account_touches') }}
    {%- if is_incremental() %}
    where account_id in (select account_id from scope_accounts)
    {%- endif %}
),
stage_firsts as (
    select account_id, stage_index, min(reached_at) as reached_at
    from {{ ref('stage_events') }}
    {%- if is_incremental() %}
    where account_id in (select account_id from scope_accounts)
    {%- endif %}
    group by account_id, stage_index
),
timeline as (
    select
        account_id, occurred_at, 1 as is_touch, touchpoint_id, channel, touch_type,
        person_id, is_marketing_touch, cast(null as integer) as stage_index
    from touches
    union all
    select
        account_id, reached_at, 0, cast(null as {{ sql_type('text') }}), cast(null as {{ sql_type('text') }}),
        cast(null as {{ sql_type('text') }}), cast(null as {{ sql_type('text') }}), cast(null as boolean), stage_index
    from stage_firsts
),
walked as (
    select
        *,
        sum(is_touch) over ({{ timeline_order }} rows between unbounded preceding and current row) as touch_number,
        max(case when is_touch = 1 then occurred_at end) over ({{ timeline_order }} rows between unbounded preceding and 1 preceding) as previous_at,
        max(stage_index) over ({{ timeline_order }} rows between unbounded preceding and current row) as stage_index_reached
    from timeline
)
select
    account_id,
    cast(touch_number as bigint) as seq,
    touchpoint_id,
    occurred_at,
    channel,
    touch_type,
    person_id,
    is_marketing_touch,
    case when previous_at is null then null else {{ datediff_days('previous_at', 'occurred_at') }} end as days_since_prev,
    coalesce(
        case stage_index_reached
        {%- for s in journey.stages %}
            when {{ loop.index }} then '{{ s }}'
        {%- endfor %}
        end,
        'pre_awareness'
    ) as stage_at_touch,
    coalesce(previous_at is not null and {{ datediff_days('previous_at', 'occurred_at') }} > {{ journey.stall_days }}, false) as is_stall_gap,
    {{ run_stamp() }} as built_at
from walked
where is_touch = 1
