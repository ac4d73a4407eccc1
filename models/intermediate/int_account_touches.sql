{{ config(
    materialized='incremental',
    unique_key='account_id',
    incremental_strategy='delete+insert',
    schema='staging',
    tags=['intermediate', 'journeys']
) }}
{#- The accounts whose touches may differ from the stored ones: an
    incremental run replaces exactly these (delete+insert by account, the
    accounts left with no touch included). Stamps newer than this table's own
    newest one name what changed since its last build:
    - touches written since (new events, and the window the event tables
      re-process), in the account they have now and in the one they were
      stored under;
    - people changed since (persons.changed_at: a new account, a merge or a
      split, touches gained or lost, such as an ad click that a web event
      written since made a twin of), in their account now and in the
      accounts their touches were stored under, and people that no longer
      exist. -#}
{%- set since = stamp_of(this) %}
{%- set changed_accounts %}
with written as (
    -- the event rows written since, read straight from the event tables
    -- (through the touch view, every read joins the whole identity map):
    -- their keys, times and identifiers; the people of any identifier of
    -- a row include the touch's own
    {%- set events = [
        ('int_web_events', 'event_key', ['anonymous_id', 'user_id'], 'null'),
        ('int_ad_clicks', 'click_key', ['anonymous_id', 'email'], 'null'),
        ('int_email_touches', 'email_touch_key', ['email'], 'null'),
        ('int_crm_touches', 'activity_key', ['contact_id', 'email'], 'e.account_id'),
    ] %}
    {%- for model, key, ids, account in events %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    {%- for id in ids %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select e.{{ key }} as touchpoint_id, e.occurred_at, '{{ id }}' as identifier_type, e.{{ id }} as identifier,
        cast({{ account }} as {{ sql_type('text') }}) as account_id
    from {{ ref(model) }} as e
    where e.written_at > {{ since }}
    {%- endfor %}
    {%- endfor %}
),
changed_people as (
    select p.person_id, p.account_id from {{ ref('persons') }} as p where p.changed_at > {{ since }}
)
-- touches written since: the accounts they have now (their CRM account, or
-- their people's) and the ones they were stored under
select w.account_id from written as w where w.account_id is not null
union
select p.account_id
from written as w
join {{ ref('identity_map') }} as i on i.identifier_type = w.identifier_type and i.identifier = w.identifier
join {{ ref('persons') }} as p on p.person_id = i.person_id
where p.account_id is not null
union
select r.account_id from {{ this }} as r
where r.occurred_at >= (select min(w.occurred_at) from written as w)
  and r.touchpoint_id in (select w.touchpoint_id from written as w)
union
-- people changed since: their account now, and the accounts their touches
-- were stored under; and people that no longer exist
select c.account_id from changed_people as c where c.account_id is not null
union
select r.account_id from {{ this }} as r
where r.person_id in (select c.person_id from changed_people as c)
   or r.person_id not in (select p.person_id from {{ ref('persons') }} as p)
{%- endset %}
{{ config(scope=changed_accounts) }}
{#- Every touch that has an account, narrow: what the account-level models
    (stage_events, account_journeys, int_path_touches) read, so that each
    rebuilds the accounts changed since its own last build without reading
    the touchpoints view's joins over every event. An incremental run reads
    only the events carrying an identifier of the people of the changed
    accounts (or naming one of them, for CRM activities). -#}
with
{%- if is_incremental() %}
scope_accounts as (
    {{ changed_accounts }}
),
scope_ids as (
    select i.identifier_type, i.identifier
    from {{ ref('identity_map') }} as i
    where i.person_id in (
        select p.person_id from {{ ref('persons') }} as p
        where p.account_id in (select account_id from scope_accounts)
    )
),
touches as (
    select *
    from ({{ person_touches(ref('identity_map'), ref('int_web_events'), ref('int_ad_clicks'), ref('int_email_touches'), ref('int_crm_touches'), 'select identifier_type, identifier from scope_ids', 'select account_id from scope_accounts') }}) as scoped
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
select *, {{ run_stamp() }} as built_at
from attached
where account_id is not null
{%- if is_incremental() %}
  and account_id in (select account_id from scope_accounts)
{%- endif %}
