{{ config(
    materialized='incremental',
    incremental_strategy='time_range',
    time_column='started_at',
    partition_by='device_id',
    schema='staging',
    tags=['intermediate', 'events']
) }}
{#- Sessions from the sessionised web events: every session column is set on
    each of its events, so they are read off its first event and only the
    counts are aggregated. Incremental runs rebuild the sessions that new
    events could have created or changed: those ending within a timeout of the
    re-processed window. Replacing per device from the earliest rebuilt start
    also removes sessions a late event merged. -#}
with events as (
    select
        w.session_id, w.device_id, w.anonymous_id, w.session_started_at, w.session_ended_at,
        w.event_type, w.is_session_start, w.session_channel, w.session_source,
        w.session_medium, w.session_campaign, w.landing_url
    from {{ ref('int_web_events') }} as w
    {%- if is_incremental() %}
    where w.session_ended_at >= {{ window_start('ended_at') }} - {{ journey.session_timeout_minutes }} * interval '1 minute'
    {%- endif %}
),
counts as (
    -- Only the counts need every event; the rest is on the session's first.
    select
        session_id,
        sum(case when event_type = 'page' then 1 else 0 end) as page_views,
        count(*) as events
    from events
    group by session_id
)
select
    e.session_id,
    e.device_id,
    e.anonymous_id,
    e.session_started_at as started_at,
    e.session_ended_at as ended_at,
    c.page_views,
    c.events,
    e.session_channel as channel,
    e.session_source as source,
    e.session_medium as medium,
    e.session_campaign as campaign,
    e.landing_url as landing_page
from events as e
join counts as c on c.session_id = e.session_id
where e.is_session_start
