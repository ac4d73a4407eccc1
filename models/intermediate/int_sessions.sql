{{ config(materialized='view', schema='staging', tags=['intermediate', 'events']) }}
{#- Sessions from the sessionised web events: int_web_events sets every
    session column, counts included, on the session's first event, so a
    session is read off it (its start and landing page are that event's time
    and page). A view: int_web_events already holds
    every value, incrementally, and storing the 2.3M sessions of 10M events
    again cost 3 s per run. -#}
select
    w.session_id,
    w.device_id,
    w.anonymous_id,
    w.occurred_at as started_at,
    w.session_ended_at as ended_at,
    w.session_page_views as page_views,
    w.session_events as events,
    w.session_channel as channel,
    w.session_source as source,
    w.session_medium as medium,
    w.session_campaign as campaign,
    w.url as landing_page
from {{ ref('int_web_events') }} as w
where w.is_session_start
