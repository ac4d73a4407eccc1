{{ config(
    materialized='incremental',
    unique_key='person_id',
    incremental_strategy='delete+insert',
    tags=['core', 'identity']
) }}
{#- Persons that no longer exist (merged into another, or split apart under
    new keys) are deleted in an incremental run: their keys are not among the
    rows written. -#}
{%- set vanished %}
select person_id from {{ this }} where person_id not in (select person_id from {{ ref('identity_map') }})
{%- endset %}
{{ config(scope=vanished) }}
{#- One row per person. The account comes from the CRM first (a contact's
    account), else from the email domain matched to an account's domain,
    never from a free-mail domain (journey.all_free_mail_domains).

    An incremental run recomputes only the people whose row can have
    changed since the table last changed (`scope_persons`), and writes only
    the rows that differ from the stored ones: `changed_at` then says when a
    person's row, or its set of identifiers (`identity_hash`), last changed,
    and the account-level models rebuild the accounts of the people changed
    since their own last build. `resolved_at` says when its account or
    identifiers last changed: int_account_touches re-attaches the touches of
    the people resolved since its last build. Contacts and accounts carry no
    time, so their part is compared for every person who has a contact or is
    matched by email domain (a few columns, not the whole row). -#}
{%- set since = stamp_of(this, 'changed_at') %}
with
{%- if is_incremental() %}
twin_clicks as (
    -- ad clicks a landing page written since may have made a twin of: no
    -- longer a touch of their person (int_touches deletes them)
    select a.anonymous_id, a.email
    from {{ ref('int_ad_clicks') }} as a
    where a.gclid in (select w.gclid from {{ ref('int_web_events') }} as w where w.written_at > {{ since }} and w.gclid is not null)
),
recomputed as (
    -- people whose identifiers identity_map wrote since (joined, split or
    -- new, and those that lost an identifier: all their rows are written again)
    select person_id from {{ ref('identity_map') }} where built_at > {{ since }}
    union
    -- people with a touch written since (new, or changed in place)
    select person_id from {{ ref('int_touches') }} where built_at > {{ since }} and person_id is not null
    union
    select i.person_id
    from {{ ref('identity_map') }} as i
    where (i.identifier_type = 'anonymous_id' and i.identifier in (select anonymous_id from twin_clicks))
       or (i.identifier_type = 'email' and i.identifier in (select email from twin_clicks))
),
{%- endif %}
ids as (
    select person_id, identifier, identifier_type from {{ ref('identity_map') }}
),
contacts as (
    select
        {{ clean_id('contact_id') }} as contact_id,
        {{ clean_email('email') }} as email,
        {{ clean_id('account_id') }} as account_id,
        created_at,
        nullif(trim(job_title), '') as job_title,
        nullif(lower(trim(seniority)), '') as seniority
    from {{ ref('stg_contacts') }}
),
person_contacts as (
    -- A person may hold several CRM contacts (duplicates): the primary is the
    -- one with an account, then the oldest, then the smallest id.
    select *
    from (
        select
            i.person_id, c.*,
            row_number() over (
                partition by i.person_id
                order by case when c.account_id is null then 1 else 0 end, c.created_at, c.contact_id
            ) as pick
        from ids as i
        join contacts as c on i.identifier_type = 'contact_id' and c.contact_id = i.identifier
    ) as ranked
    where pick = 1
),
domains as (
    -- One account per domain (the oldest), so a shared domain cannot fan out.
    select domain, account_id
    from (
        select domain, account_id, row_number() over (partition by domain order by created_at, account_id) as pick
        from {{ ref('accounts') }}
        where domain is not null
    ) as ranked
    where pick = 1
),
{%- if is_incremental() %}
contact_changes as (
    -- people whose primary contact, or what it gives them, differs from the
    -- stored row (the CRM changed, or the contact joined or left them)
    select coalesce(c.person_id, o.person_id) as person_id
    from person_contacts as c
    full join (select * from {{ this }} where contact_id is not null) as o on o.person_id = c.person_id
    where c.person_id is null
       or o.person_id is null
       or c.contact_id is distinct from o.contact_id
       or c.job_title is distinct from o.job_title
       or c.seniority is distinct from o.seniority
       or (c.account_id is not null and (o.match_method <> 'crm' or o.account_id is distinct from c.account_id))
       or (c.account_id is null and o.match_method = 'crm')
       or (c.email is not null and c.email is distinct from o.email)
),
domain_changes as (
    -- people matched (or not) by their email's domain, whose domain now
    -- names another account
    select o.person_id
    from {{ this }} as o
    left join domains as d on d.domain = split_part(o.email, '@', 2)
    where o.match_method <> 'crm'
      and o.email is not null
      and split_part(o.email, '@', 2) not in {{ in_list(journey.all_free_mail_domains) }}
      and d.account_id is distinct from o.account_id
),
scope_persons as (
    select person_id from recomputed
    union
    select person_id from contact_changes
    union
    select person_id from domain_changes
),
{%- endif %}
person_emails as (
    -- Business addresses before free-mail ones, then alphabetical: deterministic.
    select person_id, email
    from (
        select
            person_id,
            identifier as email,
            row_number() over (
                partition by person_id
                order by case when split_part(identifier, '@', 2) in {{ in_list(journey.all_free_mail_domains) }} then 1 else 0 end, identifier
            ) as pick
        from ids
        where identifier_type = 'email'
        {%- if is_incremental() %}
          and person_id in (select person_id from scope_persons)
        {%- endif %}
    ) as ranked
    where pick = 1
),
people as (
    -- a fingerprint of each person's identifiers: it changes when one joins
    -- or leaves, even if no other column of the person does
    -- (an order-free fingerprint: an md5 of the sorted list cost 1.07 s
    -- at 1.35M identifiers, this 0.43 s)
    select person_id, {{ set_fingerprint("identifier_type || ':' || identifier") }} as identity_hash
    from ids
    {%- if is_incremental() %}
    where person_id in (select person_id from scope_persons)
    {%- endif %}
    group by person_id
),
seen as (
    select person_id, min(occurred_at) as first_seen_at, max(occurred_at) as last_seen_at, count(*) as touches
    from {{ ref('int_touches') }}
    where person_id is not null
    {%- if is_incremental() %}
      and person_id in (select person_id from scope_persons)
    {%- endif %}
    group by person_id
),
current_rows as (
select
    p.person_id,
    coalesce(pc.email, pe.email) as email,
    coalesce(pc.account_id, d.account_id) as account_id,
    case
        when pc.account_id is not null then 'crm'
        when d.account_id is not null then 'email_domain'
        else 'unmatched'
    end as match_method,
    pc.contact_id,
    pc.job_title,
    pc.seniority,
    s.first_seen_at,
    s.last_seen_at,
    coalesce(s.touches, 0) as touches,
    p.identity_hash
from people as p
left join person_contacts as pc on pc.person_id = p.person_id
left join person_emails as pe on pe.person_id = p.person_id
left join domains as d
    on pc.account_id is null
   and d.domain = split_part(coalesce(pc.email, pe.email), '@', 2)
   and split_part(coalesce(pc.email, pe.email), '@', 2) not in {{ in_list(journey.all_free_mail_domains) }}
left join seen as s on s.person_id = p.person_id
)
select
    c.*,
    {{ run_stamp() }} as changed_at,
    {%- if is_incremental() %}
    -- when the person's account or set of identifiers last changed (not its
    -- counts or times): what moves its touches between people and accounts
    case
        when o.person_id is null or o.account_id is distinct from c.account_id or o.identity_hash is distinct from c.identity_hash
            then {{ run_stamp() }}
        else o.resolved_at
    end as resolved_at
    {%- else %}
    {{ run_stamp() }} as resolved_at
    {%- endif %}
from current_rows as c
{%- if is_incremental() %}
left join {{ this }} as o on o.person_id = c.person_id
where o.person_id is null
{%- for col in ['email', 'account_id', 'match_method', 'contact_id', 'job_title', 'seniority', 'first_seen_at', 'last_seen_at', 'touches', 'identity_hash'] %}
   or o.{{ col }} is distinct from c.{{ col }}
{%- endfor %}
{%- endif %}
