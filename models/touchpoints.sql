{{ config(materialized='view', tags=['core', 'output']) }}
{#- One row per real interaction, from every source, with its person, account,
    session and channel. A view over the incremental event tables (int_*),
    so that identity merges found later re-attribute old touches too — a
    stored person_id would go stale when two people turn out to be one. -#}
select
    t.touchpoint_id,
    t.occurred_at,
    t.source,
    t.touch_type,
    t.event_type,
    t.channel,
    t.campaign,
    t.person_id,
    coalesce(t.crm_account_id, p.account_id) as account_id,
    t.session_id,
    t.is_marketing_touch,
    t.anonymous_id,
    t.user_id,
    t.email,
    t.url,
    t.referrer_host,
    t.utm_source,
    t.utm_medium,
    t.utm_campaign
from {{ ref('int_person_touches') }} as t
left join {{ ref('persons') }} as p on p.person_id = t.person_id
