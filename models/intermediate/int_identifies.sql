{{ config(materialized='view', schema='staging', tags=['intermediate', 'identity']) }}
{#- Identify calls: web_events rows whose event_type is 'identify' (Segment's
    and RudderStack's identifies table). They say that a device, a user id and
    an email belong together, but nobody visited anything: they feed the
    identity graph and never become touchpoints, sessions or landings. -#}
select
    {{ clean_id('anonymous_id') }} as anonymous_id,
    {{ clean_id('user_id') }} as user_id,
    {{ clean_email('email') }} as email,
    occurred_at,
    occurred_at_text
from {{ ref('stg_web_events') }}
where occurred_at is not null
  and lower(trim(event_type)) = 'identify'
