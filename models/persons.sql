{{ config(materialized='table', tags=['core', 'identity']) }}
{#- One row per person. The account comes from the CRM first (a contact's
    account), else from the email domain matched to an account's domain,
    never from a free-mail domain (journey.all_free_mail_domains). -#}
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
seen as (
    select person_id, min(occurred_at) as first_seen_at, max(occurred_at) as last_seen_at, count(*) as touches
    from {{ ref('int_person_touches') }}
    group by person_id
),
people as (
    select distinct person_id from ids
)
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
    coalesce(s.touches, 0) as touches
from people as p
left join person_contacts as pc on pc.person_id = p.person_id
left join person_emails as pe on pe.person_id = p.person_id
left join domains as d
    on pc.account_id is null
   and d.domain = split_part(coalesce(pc.email, pe.email), '@', 2)
   and split_part(coalesce(pc.email, pe.email), '@', 2) not in {{ in_list(journey.all_free_mail_domains) }}
left join seen as s on s.person_id = p.person_id
