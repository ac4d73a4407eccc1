{{ config(
    materialized='incremental',
    incremental_strategy='time_range',
    time_column='started_at',
    partition_by='device_id',
    schema='staging',
    tags=['intermediate', 'events']
) }}
{#- Sessions aggregated from the sessionised web events. Incremental runs
    rebuild the sessions that new events could have created or changed: those
    ending within a timeout of the re-processed window. Replacing per device
    from the earliest rebuilt start also removes sessions a late event merged. -#}
with events as (
    select w.*
    from {{ ref('int_web_events') }} as w
    {%- if is_incremental() %}
    where w.session_ended_at >= {{ window_start('ended_at') }} - {{ journey.session_timeout_minutes }} * interval '1 minute'
    {%- endif %}
)
select
    session_id,
    device_id,
    min(anonymous_id) as anonymous_id,
    min(session_started_at) as started_at,
    max(session_ended_at) as ended_at,
    sum(case when event_type = 'page' then 1 else 0 end) as page_views,
    count(*) as events,
    min(session_channel) as channel,
    min(session_source) as source,
    min(session_medium) as medium,
    min(session_campaign) as campaign,
    min(landing_url) as landing_page
from events
group by session_id, device_id
