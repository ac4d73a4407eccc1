{{ config(materialized='view', tags=['core', 'output']) }}
{#- Visits: a device's events with no gap over journey.session_timeout_minutes.
    Keyed on the device, so a login mid-visit does not split it; the person is
    looked up from the identity map when queried (a view, like touchpoints). -#}
select
    s.session_id,
    s.anonymous_id,
    coalesce(p_anon.person_id, p_user.person_id) as person_id,
    s.started_at,
    s.ended_at,
    s.page_views,
    s.events,
    s.channel,
    s.source,
    s.medium,
    s.campaign,
    s.landing_page
from {{ ref('int_sessions') }} as s
left join {{ ref('identity_map') }} as p_anon
    on p_anon.identifier_type = 'anonymous_id' and p_anon.identifier = s.anonymous_id
left join {{ ref('identity_map') }} as p_user
    on s.anonymous_id is null and p_user.identifier_type = 'user_id' and p_user.identifier = substr(s.device_id, 6)
