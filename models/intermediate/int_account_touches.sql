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
    - touches whose row in int_touches changed since (new, re-attached to
      another person, or changed in place);
    - ad clicks that a landing page written since may have made a twin of
      (same gclid; int_touches deleted them);
    - the stored touches of people resolved since (persons.resolved_at: a
      new account, a merge or a split) and of people that no longer exist;
      their touches now are found by person in the body. -#}
{%- set since = stamp_of(this) %}
{%- set replaced %}
select t.touchpoint_id from {{ ref('int_touches') }} as t where t.built_at > {{ since }}
union all
select a.click_key from {{ ref('int_ad_clicks') }} as a
where a.gclid in (select w.gclid from {{ ref('int_web_events') }} as w where w.written_at > {{ since }} and w.gclid is not null)
union all
select r.touchpoint_id from {{ this }} as r
where r.person_id in (select p.person_id from {{ ref('persons') }} as p where p.resolved_at > {{ since }})
   or r.person_id not in (select p.person_id from {{ ref('persons') }} as p)
{%- endset %}
{{ config(scope=replaced) }}
{#- Every touch that has an account, narrow: what the account-level models
    (stage_events, account_journeys, int_path_touches) read. A row keeps its
    `built_at` while it stays the same, so a reader finds the touches that
    changed since its own last build by their stamp. -#}
{%- set columns = ['account_id', 'occurred_at', 'person_id', 'touch_type', 'channel', 'campaign', 'is_marketing_touch'] %}
with
{%- if is_incremental() %}
replaced as (
    {{ replaced }}
),
{%- endif %}
touches as (
    select t.*
    from {{ ref('int_touches') }} as t
    {%- if is_incremental() %}
    where t.touchpoint_id in (select touchpoint_id from replaced)
       or t.person_id in (select p.person_id from {{ ref('persons') }} as p where p.resolved_at > {{ since }})
    {%- endif %}
),
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
    where coalesce(t.crm_account_id, p.account_id) is not null
)
{{ with_kept_stamps('attached', columns, this if is_incremental() else none) }}
