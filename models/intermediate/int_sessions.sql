{{ config(
    materialized='incremental',
    incremental_strategy='time_range',
    time_column='started_at',
    partition_by='device_id',
    schema='staging',
    tags=['intermediate', 'events']
) }}
{#- Sessions from the sessionised web events: int_web_events sets every
    session column, counts included, on each of the session's events, so a
    session is read off its first event. Incremental runs rebuild the sessions
    that new events could have created or changed: those ending within a
    timeout of the re-processed window. Replacing per device from the earliest
    rebuilt start also removes sessions a late event merged. -#}
select
    w.session_id,
    w.device_id,
    w.anonymous_id,
    w.session_started_at as started_at,
    w.session_ended_at as ended_at,
    w.session_page_views as page_views,
    w.session_events as events,
    w.session_channel as channel,
    w.session_source as source,
    w.session_medium as medium,
    w.session_campaign as campaign,
    w.landing_url as landing_page
from {{ ref('int_web_events') }} as w
where w.is_session_start
{%- if is_incremental() %}
  and w.session_ended_at >= {{ window_start('ended_at') }} - {{ journey.session_timeout_minutes }} * interval '1 minute'
{%- endif %}
