{{ config(materialized='view', schema='staging', tags=['intermediate']) }}
{#- Every touch with the person it belongs to: the join of the event tables
    with the identity map, before accounts are attached. -#}
with ids as (
    select identifier_type, identifier, person_id from {{ ref('identity_map') }}
),
ad_twins as (
    -- An ad click whose landing page view carries the same gclid is one touch:
    -- the web event keeps it (it has the page and the session).
    select distinct gclid from {{ ref('int_web_events') }} where gclid is not null
)
select
    w.event_key as touchpoint_id,
    w.occurred_at,
    w.source,
    'web' as touch_type,
    case when w.event_type = 'page' then 'page_view' else w.event_type end as event_type,
    w.session_channel as channel,
    w.session_campaign as campaign,
    coalesce(p_anon.person_id, p_user.person_id) as person_id,
    cast(null as {{ sql_type('text') }}) as crm_account_id,
    w.session_id,
    w.is_session_start as is_marketing_touch,
    w.anonymous_id,
    w.user_id,
    w.email,
    w.url,
    w.referrer_host,
    w.utm_source,
    w.utm_medium,
    w.utm_campaign
from {{ ref('int_web_events') }} as w
left join ids as p_anon on p_anon.identifier_type = 'anonymous_id' and p_anon.identifier = w.anonymous_id
left join ids as p_user on p_anon.person_id is null and p_user.identifier_type = 'user_id' and p_user.identifier = w.user_id
union all
select
    a.click_key,
    a.occurred_at,
    a.source,
    'ad_click',
    'ad_click',
    {{ channel_case("'ad_click'", 'a.platform', site_name('a.platform'), "'cpc'", 'a.campaign', 'a.gclid') }},
    a.campaign,
    coalesce(p_anon.person_id, p_mail.person_id),
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    true,
    a.anonymous_id,
    cast(null as {{ sql_type('text') }}),
    a.email,
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    a.platform,
    'cpc',
    a.campaign
from {{ ref('int_ad_clicks') }} as a
left join ids as p_anon on p_anon.identifier_type = 'anonymous_id' and p_anon.identifier = a.anonymous_id
left join ids as p_mail on p_anon.person_id is null and p_mail.identifier_type = 'email' and p_mail.identifier = a.email
where a.gclid is null or a.gclid not in (select gclid from ad_twins)
union all
select
    e.email_touch_key,
    e.occurred_at,
    e.source,
    e.touch_type,
    e.touch_type,
    {{ channel_case('e.touch_type', "'email'", "'email'", "'email'", 'e.campaign', 'cast(null as ' ~ sql_type('text') ~ ')') }},
    e.campaign,
    p.person_id,
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    true,
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    e.email,
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    'email',
    'email',
    e.campaign
from {{ ref('int_email_touches') }} as e
left join ids as p on p.identifier_type = 'email' and p.identifier = e.email
union all
select
    c.activity_key,
    c.occurred_at,
    c.source,
    c.touch_type,
    c.touch_type,
    {{ channel_case('c.touch_type', "coalesce(c.crm_channel, 'crm')", "coalesce(c.crm_channel, 'crm')", "coalesce(c.crm_channel, 'crm')", 'c.campaign', 'cast(null as ' ~ sql_type('text') ~ ')') }},
    c.campaign,
    coalesce(p_contact.person_id, p_mail.person_id),
    c.account_id,
    cast(null as {{ sql_type('text') }}),
    true,
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    c.email,
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    c.campaign
from {{ ref('int_crm_touches') }} as c
left join ids as p_contact on p_contact.identifier_type = 'contact_id' and p_contact.identifier = c.contact_id
left join ids as p_mail on p_contact.person_id is null and p_mail.identifier_type = 'email' and p_mail.identifier = c.email
