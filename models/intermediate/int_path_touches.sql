{#- Account-based paths are rebuilt by account: an incremental run rebuilds
    the accounts whose journey (account_journeys) or stages were written
    since this table's newest stamp, and drops those with neither left. Person-based paths
    (journey.attribution.person_based) read the touchpoints view, whose
    touches need no account, and are rebuilt whole. -#}
{%- set person_based = journey.attribution.person_based %}
{%- if person_based %}
{{ config(materialized='table', schema='staging', tags=['intermediate', 'paths']) }}
{%- else %}
{{ config(
    materialized='incremental',
    unique_key='account_id',
    incremental_strategy='delete+insert',
    schema='staging',
    tags=['intermediate', 'paths']
) }}
{%- endif %}
{%- set changed_accounts = accounts_changed_since(this) %}
{%- if not person_based %}
{{ config(scope=changed_accounts) }}
{%- endif %}
{%- set scoped = is_incremental() %}
{#- The paths of conversions and non-conversions, one row per touch in a path.
    A conversion's path is its account's marketing touches (every person of
    the account; or the person's own touches when journey.attribution.
    person_based) in the lookback window before it (journey.conversions
    lookback_days) and after the previous conversion of the same type. An
    account without a conversion of a type gives a non-converting path ending
    at its last touch. -#}
{%- set convs = journey.conversions %}
{%- set entity = 'person_id' if journey.attribution.person_based else 'account_id' %}
with
{%- if scoped %}
scope_accounts as (
    {{ changed_accounts }}
),
{%- endif %}
touches as (
    select account_id, person_id, {{ entity }} as entity_id, touchpoint_id, occurred_at, channel, campaign
    {%- if person_based %}
    from {{ ref('touchpoints') }}
    {%- else %}
    from {{ ref('int_account_touches') }}
    {%- endif %}
    where {{ entity }} is not null and is_marketing_touch
    {%- if scoped %}
      and account_id in (select account_id from scope_accounts)
    {%- endif %}
),
conversions as (
    {%- for c in convs %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select s.account_id, s.person_id, s.{{ entity }} as entity_id, s.opportunity_id, s.stage as conversion_stage,
        s.reached_at as converted_at, coalesce(s.value, 0) as revenue, {{ c.lookback_days }} as lookback_days
    from {{ ref('stage_events') }} as s
    where s.stage = '{{ c.stage }}' and s.{{ entity }} is not null
    {%- if scoped %}
      and s.account_id in (select account_id from scope_accounts)
    {%- endif %}
    {%- endfor %}
),
converting as (
    select
        {{ hash_key('conversion_stage', 'entity_id', "coalesce(opportunity_id, '')", 'cast(converted_at as ' ~ sql_type('text') ~ ')') }} as path_id,
        account_id,
        person_id,
        entity_id,
        opportunity_id,
        true as converted,
        conversion_stage,
        converted_at,
        revenue,
        converted_at as ends_at,
        greatest(
            coalesce(
                lag(converted_at) over (partition by entity_id, conversion_stage order by converted_at, opportunity_id),
                converted_at - lookback_days * interval '1 day'
            ),
            converted_at - lookback_days * interval '1 day'
        ) as starts_after
    from conversions
),
non_converting as (
    {%- for c in convs %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        {{ hash_key("'none'", "'" ~ c.stage ~ "'", 't.entity_id') }} as path_id,
        min(t.account_id) as account_id,
        {{ min_key('t.person_id') }} as person_id,
        t.entity_id,
        cast(null as {{ sql_type('text') }}) as opportunity_id,
        false as converted,
        '{{ c.stage }}' as conversion_stage,
        cast(null as timestamp) as converted_at,
        cast(0 as {{ sql_type('double') }}) as revenue,
        max(t.occurred_at) as ends_at,
        max(t.occurred_at) - {{ c.lookback_days }} * interval '1 day' as starts_after
    from touches as t
    where not exists (
        select 1 from conversions as v where v.entity_id = t.entity_id and v.conversion_stage = '{{ c.stage }}'
    )
    group by t.entity_id
    {%- endfor %}
),
paths as (
    select * from converting
    union all
    select * from non_converting
)
select
    p.path_id,
    p.account_id,
    {%- if journey.attribution.person_based %}
    p.person_id,
    {%- else %}
    cast(null as {{ sql_type('key') }}) as person_id,
    {%- endif %}
    p.opportunity_id,
    p.converted,
    p.conversion_stage,
    p.converted_at,
    p.revenue,
    p.ends_at,
    t.touchpoint_id,
    t.occurred_at,
    t.channel,
    t.campaign,
    row_number() over (partition by p.path_id order by t.occurred_at, t.touchpoint_id) as position,
    count(t.touchpoint_id) over (partition by p.path_id) as path_length,
    {{ datediff_days('t.occurred_at', 'p.ends_at') }} as days_before_end,
    {{ run_stamp() }} as built_at
from paths as p
left join touches as t
    on t.entity_id = p.entity_id
   and t.occurred_at <= p.ends_at
   and t.occurred_at > p.starts_after
