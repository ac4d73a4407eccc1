{{ config(
    materialized='incremental',
    unique_key='touchpoint_id',
    incremental_strategy='delete+insert',
    schema='staging',
    tags=['intermediate', 'journeys']
) }}
{#- The touches whose row may differ from the stored one: an incremental run
    replaces exactly these (delete+insert by touch; a touch that no longer
    has an account, or no longer exists, is deleted). Stamps newer than this
    table's own newest one name what changed since its last build:
    - event rows written since (new events, and the window the event tables
      re-process);
    - ad clicks that a landing page written since may have made a twin of
      (same gclid);
    - the stored touches of people resolved since (persons.resolved_at: a
      new account, a merge or a split) and of people that no longer exist;
      their touches now are found by identifier in the body. -#}
{%- set since = stamp_of(this) %}
{%- set replaced %}
{%- for model, key in [
    ('int_web_events', 'event_key'),
    ('int_ad_clicks', 'click_key'),
    ('int_email_touches', 'email_touch_key'),
    ('int_crm_touches', 'activity_key'),
] %}
select e.{{ key }} as touchpoint_id from {{ ref(model) }} as e where e.written_at > {{ since }}
union all
{%- endfor %}
select a.click_key from {{ ref('int_ad_clicks') }} as a
where a.gclid in (select w.gclid from {{ ref('int_web_events') }} as w where w.written_at > {{ since }} and w.gclid is not null)
union all
select r.touchpoint_id from {{ this }} as r
where r.person_id in (select p.person_id from {{ ref('persons') }} as p where p.resolved_at > {{ since }})
   or r.person_id not in (select p.person_id from {{ ref('persons') }} as p)
{%- endset %}
{{ config(scope=replaced) }}
{#- Every touch that has an account, narrow: what the account-level models
    (stage_events, account_journeys, int_path_touches) read, so that none of
    them reads the touchpoints view's joins over every event. A row keeps
    its `built_at` while it stays the same, so a reader finds the touches
    that changed since its own last build by their stamp. -#}
{%- set columns = ['account_id', 'occurred_at', 'person_id', 'touch_type', 'channel', 'campaign', 'is_marketing_touch'] %}
with
{%- if is_incremental() %}
replaced as (
    {{ replaced }}
),
resolved_ids as (
    -- the identifiers of people resolved since: their touches now
    select i.identifier_type, i.identifier
    from {{ ref('identity_map') }} as i
    where i.person_id in (select p.person_id from {{ ref('persons') }} as p where p.resolved_at > {{ since }})
),
touches as (
    select *
    from ({{ person_touches(ref('identity_map'), ref('int_web_events'), ref('int_ad_clicks'), ref('int_email_touches'), ref('int_crm_touches'), 'select identifier_type, identifier from resolved_ids', 'select touchpoint_id from replaced') }}) as scoped
),
{%- else %}
touches as (
    select * from {{ ref('int_person_touches') }}
),
{%- endif %}
attached as (
    select
        coalesce(t.crm_account_id, p.account_id) as account_id,
        t.touchpoint_id,
        t.occurred_at,
        t.person_id,
        t.touch_type,
        t.channel,
        t.campaign,
        t.is_marketing_touch
    from touches as t
    left join {{ ref('persons') }} as p on p.person_id = t.person_id
)
select
    c.*,
    {%- if is_incremental() %}
    case
        when o.touchpoint_id is not null
        {%- for col in columns %}
            and o.{{ col }} is not distinct from c.{{ col }}
        {%- endfor %}
            then o.built_at
        else {{ run_stamp() }}
    end as built_at
    {%- else %}
    {{ run_stamp() }} as built_at
    {%- endif %}
from attached as c
{%- if is_incremental() %}
left join {{ this }} as o on o.touchpoint_id = c.touchpoint_id
{%- endif %}
where c.account_id is not null
