{{ config(
    materialized='incremental',
    unique_key='touchpoint_id',
    incremental_strategy='delete+insert',
    schema='staging',
    tags=['intermediate', 'identity']
) }}
{#- The touches whose row may differ from the stored one, besides those the
    body finds by identifier: event rows written since this table's newest
    stamp (new events, and the window the event tables re-process), and ad
    clicks that a landing page written since may have made a twin of (same
    gclid), which are deleted when they are. -#}
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
{%- endset %}
{{ config(scope=replaced) }}
{#- Every touch with its person, narrow and stored: what persons counts, what
    int_account_touches attaches accounts to and what int_campaign_spend
    reads, so that none of them joins every event with the identity map
    again. An incremental run also re-attaches the touches carrying an
    identifier resolved since (identity_map.resolved_at: it changed person or
    is new). A row keeps its `built_at` while it stays the same, so a reader
    finds the touches that changed since its own last build by their stamp. -#}
{%- set columns = ['occurred_at', 'person_id', 'crm_account_id', 'touch_type', 'channel', 'campaign', 'is_marketing_touch'] %}
with
{%- if is_incremental() %}
replaced as (
    {{ replaced }}
),
resolved_ids as (
    select i.identifier_type, i.identifier
    from {{ ref('identity_map') }} as i
    where i.resolved_at > {{ since }}
),
{%- endif %}
touches as (
    -- the macro, not the int_person_touches view, in both kinds of run, so
    -- that the model's parents do not depend on whether it is incremental
    select touchpoint_id, {{ columns | join(', ') }}
    {%- if is_incremental() %}
    from ({{ person_touches(ref('identity_map'), ref('int_web_events'), ref('int_ad_clicks'), ref('int_email_touches'), ref('int_crm_touches'), 'select identifier_type, identifier from resolved_ids', 'select touchpoint_id from replaced') }}) as scoped
    {%- else %}
    from ({{ person_touches(ref('identity_map'), ref('int_web_events'), ref('int_ad_clicks'), ref('int_email_touches'), ref('int_crm_touches')) }}) as all_touches
    {%- endif %}
)
{{ with_kept_stamps('touches', columns, this if is_incremental() else none) }}
