{{ config(
    materialized='incremental',
    unique_key='email_touch_key',
    schema='staging',
    on_schema_change='append_new_columns',
    tags=['intermediate', 'events']
) }}
{#- Marketing-email interactions: opens and clicks (a send is not an
    interaction; bounces and unsubscribes are not touches). -#}
with cleaned as (
    select
        source,
        nullif(trim(event_id), '') as event_id,
        occurred_at,
        {{ clean_email('email') }} as email,
        lower(trim(event_type)) as event_type,
        nullif(lower(trim(campaign)), '') as campaign
    from {{ ref('stg_email_events') }}
    where occurred_at is not null
    {%- if is_incremental() %}
      and {{ since('occurred_at', window_start()) }}
    {%- endif %}
),
keyed as (
    select
        *,
        {{ hash_key('source', "coalesce(event_id, '')", 'email', 'event_type', 'cast(occurred_at as ' ~ sql_type('text') ~ ')') }} as email_touch_key
    from cleaned
    where email is not null and event_type in ('open', 'opened', 'click', 'clicked')
)
select distinct on (email_touch_key)
    email_touch_key,
    source,
    event_id,
    occurred_at,
    email,
    case when event_type in ('click', 'clicked') then 'email_click' else 'email_open' end as touch_type,
    campaign,
    {{ run_stamp() }} as written_at
from keyed
order by email_touch_key, occurred_at
