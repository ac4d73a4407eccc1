{{ config(
    materialized='incremental',
    incremental_strategy='time_range',
    time_column='occurred_at',
    partition_by='device_id',
    schema='staging',
    on_schema_change='append_new_columns',
    tags=['intermediate', 'events']
) }}
{#- Web events, cleaned, de-duplicated and sessionised. Sessions are keyed on
    the device (anonymous_id), never on the person, so a login in the middle of
    a visit does not split it. Incremental runs re-process, per device, from
    the start of its last session that the new events could extend; the rest
    of the table is untouched (strategy time_range, partitioned by device). -#}
{%- set timeout_seconds = journey.session_timeout_minutes * 60 %}
{#- The earliest time any device's rows are needed from: the window's start,
    or the start of an earlier session the window can extend. Only rows from
    then on are cleaned: without that filter every event of the source was
    cleaned before the window was taken (at 10M events with nothing new,
    15.5 CPU s for this model; 3.2 with it). It is prefetched, so the source's
    scan filters by a literal before reading the other columns (0.25 s
    against 0.6 s for the body with the subquery, which was joined after the
    scan). -#}
{%- set earliest %}
select case when r.resume_at < b.window_start then r.resume_at else b.window_start end
from (select {{ window_start() }} as window_start) as b
cross join (
    select min(t.occurred_at) as resume_at
    from {{ this }} as t
    where t.session_ended_at >= {{ window_start() }} - {{ journey.session_timeout_minutes }} * interval '1 minute'
) as r
{%- endset %}
with
{%- if is_incremental() %}
bounds as (
    select {{ window_start() }} as window_start
),
resume as (
    -- Sessions that ended within a timeout of the window can still be extended.
    -- (session_ended_at is set on first events only: their occurred_at is the start.)
    select t.device_id, min(t.occurred_at) as resume_at
    from {{ this }} as t
    cross join bounds as b
    where t.session_ended_at >= b.window_start - {{ journey.session_timeout_minutes }} * interval '1 minute'
    group by t.device_id
),
{%- endif %}
cleaned as (
    select
        source,
        event_id,
        occurred_at,
        {{ clean_id('anonymous_id') }} as anonymous_id,
        {{ clean_id('user_id') }} as user_id,
        {{ clean_email('email') }} as email,
        coalesce(nullif(lower(trim(event_type)), ''), 'page') as event_type,
        nullif(trim(event_name), '') as event_name,
        nullif(trim(url), '') as url,
        {{ url_host('url') }} as url_host,
        {{ url_host('referrer') }} as referrer_host,
        {%- for p in ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] %}
        -- from its column, else from the page URL's query string
        lower(coalesce(nullif(trim({{ p }}), ''), case when url like '%{{ p }}=%' then {{ regexp_extract('url', '[?&]' ~ p ~ '=([^&#]+)') }} end)) as {{ p }},
        {%- endfor %}
        {{ clean_id('gclid') }} as gclid
    from {{ ref('stg_web_events') }}
    where occurred_at is not null
      -- identify calls are identity facts, not visits: int_identifies
      and coalesce(lower(trim(event_type)), '') <> 'identify'
      {%- if is_incremental() %}
      and {{ since('occurred_at', prefetch(earliest, 'timestamp')) }}
      {%- endif %}
),
devices as (
    -- Rows with neither a device nor a user cannot be tied to anyone: dropped
    -- where scoped is read. A filter here is pushed below the cleaning and
    -- cleaned both ids twice (with clean_id's ltrim, 83-85 CPU s for this
    -- model at 10M events instead of 90, two pairs).
    select
        *,
        coalesce(anonymous_id, 'user:' || user_id) as device_id
    from cleaned
),
keyed as (
    -- An event is its id within its source; without an id, its device, time and page.
    select
        *,
        {{ hash_key('source', "coalesce(event_id, device_id || '|' || cast(occurred_at as " ~ sql_type('text') ~ ") || '|' || coalesce(url, ''))") }} as event_key
    from devices
),
{%- if is_incremental() %}
scoped as materialized (
    -- Read three times below (materialized: the cleaning runs once).
    select k.*
    from keyed as k
    cross join bounds as b
    left join resume as r on r.device_id = k.device_id
    -- Everything in the window (late events land anywhere in it), and for a
    -- device whose session may continue into it, everything from that
    -- session's start.
    where k.occurred_at >= case when r.resume_at < b.window_start then r.resume_at else b.window_start end
),
{%- else %}
scoped as materialized (
    -- Read three times below (materialized: the cleaning runs once).
    select * from keyed
),
{%- endif %}
repeated_keys as (
    -- Keys seen more than once: about 0.4% of the events at 10M. Only their
    -- rows go through the ranking below; ranking every wide row by its key
    -- cost three times more than finding these and passing the rest through.
    select event_key from scoped where device_id is not null group by event_key having count(*) > 1
),
deduped as (
    -- The same event delivered twice (same id; without an id, same device,
    -- time and page) is kept once, the earliest copy.
    select s.*, cast(1 as bigint) as copy_number
    from scoped as s
    where s.device_id is not null
      and not exists (select 1 from repeated_keys as r where r.event_key = s.event_key)
    union all
    select *
    from (
        select
            s.*,
            row_number() over (partition by s.event_key order by s.occurred_at) as copy_number
        from scoped as s
        join repeated_keys as r on r.event_key = s.event_key
        where s.device_id is not null
    ) as numbered_copies
    where copy_number = 1
),
ordered as (
    -- Sessionise on narrow rows (key, device, time): sorting the wide rows
    -- costs several times more. The grouping changes no row (keys are unique
    -- here); it makes DuckDB drop the other columns before the window, which
    -- it does not do for a plain column list over a CTE read twice.
    select
        event_key,
        device_id,
        occurred_at,
        lag(occurred_at) over (partition by device_id order by occurred_at, event_key) as previous_at
    from (
        select event_key, device_id, occurred_at
        from deduped
        group by event_key, device_id, occurred_at
    ) as narrow
),
flagged as (
    select
        *,
        case
            when previous_at is null then 1
            when {{ datediff_seconds('previous_at', 'occurred_at') }} > {{ timeout_seconds }} then 1
            else 0
        end as starts_session
    from ordered
),
session_numbers as (
    select
        event_key,
        device_id,
        occurred_at,
        starts_session,
        sum(starts_session) over (
            partition by device_id order by occurred_at, event_key
            rows between unbounded preceding and current row
        ) as session_number
    from flagged
),
numbered as (
    select d.*, n.starts_session, n.session_number
    from deduped as d
    join session_numbers as n on n.event_key = d.event_key
),
landings as (
    -- The first event of a session sets its source, medium and campaign
    -- (GA4's session scope); later page views inherit them. A referrer on
    -- the page's own host is an internal link. (url_host is extracted with
    -- the other columns: inlined here, Postgres would re-run the regular
    -- expression for every reference to session_source below.)
    select
        device_id,
        session_number,
        occurred_at as session_started_at,
        case
            when utm_source is not null then utm_source
            when gclid is not null then 'google'
            when referrer_host is not null and referrer_host <> coalesce(url_host, '')
                and not {{ in_values('referrer_host', journey.own_domains) }} then referrer_host
            else '(direct)'
        end as session_source,
        case
            when utm_source is not null or utm_medium is not null then coalesce(utm_medium, '(not set)')
            when gclid is not null then 'cpc'
            when referrer_host is not null and referrer_host <> coalesce(url_host, '')
                and not {{ in_values('referrer_host', journey.own_domains) }} then
                case when {{ site_name('referrer_host') }} in {{ in_list(journey.hosts['search']) }} then 'organic' else 'referral' end
            else '(none)'
        end as session_medium,
        utm_campaign as session_campaign,
        gclid as session_gclid
    from numbered
    where starts_session = 1
),
landing_sites as (
    -- The site name is matched by many channel rules: compute it once.
    select *, {{ site_name('session_source') }} as session_site
    from landings
),
spans as (
    select
        device_id,
        session_number,
        max(occurred_at) as session_ended_at,
        count(*) as session_events,
        cast(sum(case when event_type = 'page' then 1 else 0 end) as bigint) as session_page_views
    from numbered
    group by device_id, session_number
),
sessions as (
    select
        l.*,
        s.session_ended_at,
        s.session_events,
        s.session_page_views,
        {{ hash_key('l.device_id', 'cast(l.session_started_at as ' ~ sql_type('text') ~ ')') }} as session_id,
        {{ channel_case("'web'", 'l.session_source', 'l.session_site', 'l.session_medium', 'l.session_campaign', 'l.session_gclid') }} as session_channel
    from landing_sites as l
    join spans as s on s.device_id = l.device_id and s.session_number = l.session_number
)
-- The session's end, counts, source and medium are set on its first event
-- only (null on the others): int_sessions reads them there and nothing reads
-- them elsewhere. Repeating them on every event cost writing them 2.7 times
-- over (6.3M events, 2.3M sessions at 10M events: 131-146 CPU s for this model
-- before, 119-132 after, three pairs). Its start and landing page are that
-- event's occurred_at and url. Its campaign and channel, which every touch
-- carries, stay on each event.
select
    n.event_key,
    n.source,
    n.event_id,
    n.occurred_at,
    n.device_id,
    n.anonymous_id,
    n.user_id,
    n.email,
    n.event_type,
    n.event_name,
    n.url,
    n.referrer_host,
    n.utm_source,
    n.utm_medium,
    n.utm_campaign,
    n.utm_content,
    n.utm_term,
    n.gclid,
    s.session_id,
    case when n.starts_session = 1 then s.session_ended_at end as session_ended_at,
    case when n.starts_session = 1 then s.session_events end as session_events,
    case when n.starts_session = 1 then s.session_page_views end as session_page_views,
    n.starts_session = 1 as is_session_start,
    case when n.starts_session = 1 then s.session_source end as session_source,
    case when n.starts_session = 1 then s.session_medium end as session_medium,
    s.session_campaign,
    s.session_channel,
    {{ run_stamp() }} as written_at
from numbered as n
join sessions as s on s.device_id = n.device_id and s.session_number = n.session_number
