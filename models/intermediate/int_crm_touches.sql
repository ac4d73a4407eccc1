{{ config(
    materialized='incremental',
    unique_key='activity_key',
    schema='staging',
    on_schema_change='append_new_columns',
    tags=['intermediate', 'events']
) }}
{#- Sales and event activities from the CRM. A sales email is a different
    touch from a marketing email, so it gets its own touch type. -#}
with cleaned as (
    select
        source,
        nullif(trim(activity_id), '') as activity_id,
        occurred_at,
        lower(trim(activity_type)) as activity_type,
        {{ clean_id('contact_id') }} as contact_id,
        {{ clean_email('email') }} as email,
        {{ clean_id('account_id') }} as account_id,
        nullif(lower(trim(channel)), '') as crm_channel,
        nullif(lower(trim(campaign)), '') as campaign
    from {{ ref('stg_crm_activities') }}
    where occurred_at is not null
    {%- if is_incremental() %}
      and {{ since('occurred_at', window_start()) }}
    {%- endif %}
),
keyed as (
    select
        *,
        {{ hash_key('source', "coalesce(activity_id, '')", "coalesce(contact_id, '')", 'activity_type', 'cast(occurred_at as ' ~ sql_type('text') ~ ')') }} as activity_key
    from cleaned
    where (contact_id is not null or email is not null or account_id is not null)
      and activity_type is not null
)
select distinct on (activity_key)
    activity_key,
    source,
    activity_id,
    occurred_at,
    case when activity_type = 'email' then 'sales_email' else activity_type end as touch_type,
    contact_id,
    email,
    account_id,
    crm_channel,
    campaign,
    {{ run_stamp() }} as written_at
from keyed
order by activity_key, occurred_at
