{{ config(
    materialized='incremental',
    unique_key=['type_a', 'node_a', 'type_b', 'node_b'],
    schema='staging',
    tags=['intermediate', 'identity']
) }}
{#- Identifiers seen together on one event or identify call are edges of the
    identity graph (a device and a user id, a device and an email, a user id
    and an email).
    A device seen alone is an edge to itself, so that it is a node too. -#}
with web_rows as (
    select anonymous_id, user_id, email, occurred_at
    from {{ ref('int_web_events') }}
    {%- if is_incremental() %}
    where occurred_at >= {{ window_start('last_seen_at') }}
    {%- endif %}
    union all
    -- identify calls link a device, a user id and an email without being touches
    select anonymous_id, user_id, email, occurred_at
    from {{ ref('int_identifies') }}
    {%- if is_incremental() %}
    where {{ since('occurred_at', window_start('last_seen_at')) }}
    {%- endif %}
),
web as (
    -- A device sends the same identifiers on most of its events: collapse them
    -- first, so that the six pairs below fan out from distinct combinations
    -- rather than from every event.
    select anonymous_id, user_id, email, max(occurred_at) as occurred_at
    from web_rows
    group by anonymous_id, user_id, email
),
ads as (
    select anonymous_id, email, occurred_at
    from {{ ref('int_ad_clicks') }}
    where anonymous_id is not null
    {%- if is_incremental() %}
      and occurred_at >= {{ window_start('last_seen_at') }}
    {%- endif %}
),
emails as (
    select email, occurred_at
    from {{ ref('int_email_touches') }}
    {%- if is_incremental() %}
    where occurred_at >= {{ window_start('last_seen_at') }}
    {%- endif %}
),
crm as (
    select contact_id, email, occurred_at
    from {{ ref('int_crm_touches') }}
    {%- if is_incremental() %}
    where occurred_at >= {{ window_start('last_seen_at') }}
    {%- endif %}
),
pairs as (
    select 'anonymous_id' as type_a, anonymous_id as node_a, 'user_id' as type_b, user_id as node_b, occurred_at from web where anonymous_id is not null and user_id is not null
    union all
    select 'anonymous_id', anonymous_id, 'email', email, occurred_at from web where anonymous_id is not null and email is not null
    union all
    select 'user_id', user_id, 'email', email, occurred_at from web where user_id is not null and email is not null
    union all
    select 'anonymous_id', anonymous_id, 'anonymous_id', anonymous_id, occurred_at from web where anonymous_id is not null
    union all
    select 'user_id', user_id, 'user_id', user_id, occurred_at from web where user_id is not null
    union all
    select 'email', email, 'email', email, occurred_at from web where email is not null
    union all
    select 'anonymous_id', anonymous_id, 'email', email, occurred_at from ads where email is not null
    union all
    select 'anonymous_id', anonymous_id, 'anonymous_id', anonymous_id, occurred_at from ads
    union all
    select 'email', email, 'email', email, occurred_at from emails
    union all
    select 'contact_id', contact_id, 'email', email, occurred_at from crm where contact_id is not null and email is not null
    union all
    select 'contact_id', contact_id, 'contact_id', contact_id, occurred_at from crm where contact_id is not null
    union all
    select 'email', email, 'email', email, occurred_at from crm where email is not null
)
select type_a, node_a, type_b, node_b, max(occurred_at) as last_seen_at
from pairs
group by type_a, node_a, type_b, node_b
