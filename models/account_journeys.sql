{{ config(
    materialized='incremental',
    unique_key='touchpoint_id',
    incremental_strategy='delete+insert',
    tags=['core', 'output', 'journeys']
) }}
{#- An incremental run appends or rebuilds. An account whose touches now are
    its stored ones plus touches written since that all come after them, and
    whose stored stages still hold, gets only the new touches, numbered on
    from its stored ones. Any other account that changed is rebuilt whole
    (its rows deleted by account): a touch changed in place, moved to another
    account or gone (its touch count differs), a late touch, or a stage that
    moved under a stored touch. The stored stages are checked from the
    table's own rows: for each account whose stages were rewritten since and
    each stage its rows show, the first and last touch showing it must be in
    that stage under the stage times now (a stage reached moves every later
    touch's stage, and a touch's stage only grows with time). -#}
{%- set since = stamp_of(this) %}
{%- macro stage_name(index) -%}
coalesce(
        case {{ index }}
        {%- for s in journey.stages %}
            when {{ loop.index }} then '{{ s }}'
        {%- endfor %}
        end,
        'pre_awareness'
    )
{%- endmacro %}
{%- set rebuilt_accounts %}
with written as (
    select account_id, count(*) as touches, min(occurred_at) as first_at
    from {{ ref('int_account_touches') }}
    where built_at > {{ since }}
    group by account_id
),
now_counts as (
    select account_id, count(*) as touches from {{ ref('int_account_touches') }} group by account_id
),
stored as (
    select account_id, max(seq) as touches, max(occurred_at) as last_at from {{ this }} group by account_id
),
counted as (
    -- every touch now is a stored one or one written since, after them all
    select coalesce(n.account_id, s.account_id) as account_id
    from now_counts as n
    full join stored as s on s.account_id = n.account_id
    left join written as w on w.account_id = coalesce(n.account_id, s.account_id)
    where coalesce(n.touches, 0) <> coalesce(s.touches, 0) + coalesce(w.touches, 0)
       or w.first_at <= s.last_at
),
restaged as (
    select distinct account_id from {{ ref('stage_events') }} where built_at > {{ since }}
),
stage_times as (
    select account_id, stage_index, min(reached_at) as reached_at
    from {{ ref('stage_events') }}
    where account_id in (select account_id from restaged)
    group by account_id, stage_index
),
shown as (
    select j.account_id, j.stage_at_touch, min(j.occurred_at) as first_at, max(j.occurred_at) as last_at
    from {{ this }} as j
    where j.account_id in (select account_id from restaged)
    group by j.account_id, j.stage_at_touch
),
stage_moved as (
    select h.account_id
    from shown as h
    where {{ stage_name('(select max(f.stage_index) from stage_times as f where f.account_id = h.account_id and f.reached_at <= h.first_at)') }} <> h.stage_at_touch
       or {{ stage_name('(select max(f.stage_index) from stage_times as f where f.account_id = h.account_id and f.reached_at <= h.last_at)') }} <> h.stage_at_touch
)
select account_id from counted
union
select account_id from stage_moved
{%- endset %}
{{ config(scope=rebuilt_accounts, scope_key='account_id') }}
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
rebuilt as (
    {{ rebuilt_accounts }}
),
appended as (
    -- the other accounts with touches written since
    select distinct account_id
    from {{ ref('int_account_touches') }}
    where built_at > {{ since }} and account_id not in (select account_id from rebuilt)
),
anchors as (
    -- where an appended account's stored rows end
    select account_id, max(seq) as seq_offset, max(occurred_at) as last_at
    from {{ this }}
    where account_id in (select account_id from appended)
    group by account_id
),
{%- endif %}
touches as (
    select account_id, touchpoint_id, occurred_at, channel, touch_type, person_id, is_marketing_touch
    from {{ ref('int_account_touches') }}
    {%- if is_incremental() %}
    where account_id in (select account_id from rebuilt)
       or (built_at > {{ since }} and account_id in (select account_id from appended))
    {%- endif %}
),
stage_firsts as (
    select account_id, stage_index, min(reached_at) as reached_at
    from {{ ref('stage_events') }}
    {%- if is_incremental() %}
    where account_id in (select account_id from rebuilt)
       or account_id in (select account_id from appended)
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
        account_id, reached_at, 0, cast(null as {{ sql_type('key') }}), cast(null as {{ sql_type('text') }}),
        cast(null as {{ sql_type('text') }}), cast(null as {{ sql_type('key') }}), cast(null as boolean), stage_index
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
{%- set previous_at = 'coalesce(w.previous_at, a.last_at)' if is_incremental() else 'w.previous_at' %}
select
    w.account_id,
    cast(w.touch_number{% if is_incremental() %} + coalesce(a.seq_offset, 0){% endif %} as bigint) as seq,
    w.touchpoint_id,
    w.occurred_at,
    w.channel,
    w.touch_type,
    w.person_id,
    w.is_marketing_touch,
    case when {{ previous_at }} is null then null else {{ datediff_days(previous_at, 'w.occurred_at') }} end as days_since_prev,
    {{ stage_name('w.stage_index_reached') }} as stage_at_touch,
    coalesce({{ previous_at }} is not null and {{ datediff_days(previous_at, 'w.occurred_at') }} > {{ journey.stall_days }}, false) as is_stall_gap,
    {{ run_stamp() }} as built_at
from walked as w
{%- if is_incremental() %}
left join anchors as a on a.account_id = w.account_id
{%- endif %}
where w.is_touch = 1
