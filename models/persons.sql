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

    Every run computes every person (contacts and domains carry no time;
    the touches are counted from the stored int_touches, not from the
    events joined with the identity map), but an incremental run writes
    only the rows that differ from the table's: `changed_at` then says
    when a person's row, or its set of identifiers (`identity_hash`), last
    changed, and the account-level models rebuild the accounts of the people
    changed since their own last build. `resolved_at` says when its account
    or identifiers last changed: int_account_touches re-attaches the touches
    of the people resolved since its last build. -#}
with ids as (
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
people as (
    -- a fingerprint of each person's identifiers: it changes when one joins
    -- or leaves, even if no other column of the person does
    -- (an order-free fingerprint: an md5 of the sorted list cost 1.07 s
    -- at 1.35M identifiers, this 0.43 s)
    select person_id, {{ set_fingerprint("identifier_type || ':' || identifier") }} as identity_hash
    from ids
    group by person_id
),
seen as (
    select person_id, min(occurred_at) as first_seen_at, max(occurred_at) as last_seen_at, count(*) as touches
    from {{ ref('int_touches') }}
    where person_id is not null
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
