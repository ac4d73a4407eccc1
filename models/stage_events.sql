{{ config(
    materialized='incremental',
    unique_key='account_id',
    incremental_strategy='delete+insert',
    tags=['core', 'output', 'stages']
) }}
{#- Each time an account reaches a funnel stage (journey.stages): awareness at
    its first touch, mql and sql when its first contact became one, and every
    opportunity created and won. `value` is the opportunity amount. -#}
{%- set stages = journey.stages %}
{#- The stages the CRM gives (contacts and opportunities carry no time of
    change, so every run computes them all: they are few), one row each. -#}
{%- set crm_reached %}
with contact_people as materialized (
    -- Each CRM contact's person, read once for the three joins below.
    -- Postgres expects a handful of opportunities (it cannot estimate the
    -- filters on their cleaned ids) and joins them by a nested loop: on
    -- identity_map, that was a scan of the table per opportunity (3.6 s of
    -- this model's 4 s at 1M events); here it is a scan of these rows.
    select identifier as contact_id, person_id
    from {{ ref('identity_map') }}
    where identifier_type = 'contact_id'
),
contacts as (
    select c.*, p.person_id
    from (
        select {{ clean_id('contact_id') }} as contact_id, {{ clean_id('account_id') }} as account_id, mql_at, sql_at
        from {{ ref('stg_contacts') }}
    ) as c
    left join contact_people as p on p.contact_id = c.contact_id
    where c.account_id is not null
),
opportunities as (
    select *
    from (
        select
            {{ clean_id('opportunity_id') }} as opportunity_id,
            {{ clean_id('account_id') }} as account_id,
            created_at,
            closed_at,
            coalesce(is_won, false) as is_won,
            amount,
            {{ clean_id('primary_contact_id') }} as primary_contact_id,
            row_number() over (partition by {{ clean_id('opportunity_id') }} order by closed_at desc nulls last, created_at desc) as pick
        from {{ ref('stg_opportunities') }}
    ) as ranked
    where pick = 1 and opportunity_id is not null and account_id is not null and created_at is not null
),
reached as (
    select
        cast(null as {{ sql_type('text') }}) as account_id, cast(null as {{ sql_type('key') }}) as person_id,
        cast(null as {{ sql_type('text') }}) as opportunity_id, cast(null as {{ sql_type('text') }}) as stage,
        cast(null as timestamp) as reached_at, cast(null as {{ sql_type('double') }}) as value
    where 1 = 0
    {%- for stage in stages if stage != 'awareness' %}
    union all
    {%- if stage in ['mql', 'sql'] %}
    select account_id, person_id, cast(null as {{ sql_type('text') }}), '{{ stage }}', {{ stage }}_at, cast(null as {{ sql_type('double') }})
    from (
        select *, row_number() over (partition by account_id order by {{ stage }}_at, contact_id) as n
        from contacts
        where {{ stage }}_at is not null
    ) as firsts
    where n = 1
    {%- elif stage == 'opportunity' %}
    select o.account_id, p.person_id, o.opportunity_id, 'opportunity', o.created_at, o.amount
    from opportunities as o
    left join contact_people as p on p.contact_id = o.primary_contact_id
    {%- elif stage == 'closed_won' %}
    select o.account_id, p.person_id, o.opportunity_id, 'closed_won', o.closed_at, o.amount
    from opportunities as o
    left join contact_people as p on p.contact_id = o.primary_contact_id
    where o.is_won and o.closed_at is not null
    {%- else %}
    -- a stage neither the touches nor the CRM records
    select null, null, null, null, null, null where 1 = 0
    {%- endif %}
    {%- endfor %}
)
select account_id, person_id, opportunity_id, stage, reached_at, value
from reached
where reached_at is not null
{%- endset %}
{#- The account's first touch: an aggregate, not a numbering of every touch. -#}
{%- set touch_reached %}
select
    account_id, {{ first_by('person_id', 'occurred_at', 'touchpoint_id') }} as person_id, cast(null as {{ sql_type('text') }}) as opportunity_id,
    'awareness' as stage, min(occurred_at) as reached_at, cast(null as {{ sql_type('double') }}) as value
from {{ ref('int_account_touches') }}
{%- endset %}
{%- set now_reached %}
{%- if 'awareness' in stages %}
select * from ({{ touch_reached }} group by account_id) as first_touches
union all
{%- endif %}
select * from ({{ crm_reached }}) as crm
{%- endset %}
{#- An incremental run rewrites the accounts whose stage rows differ from the
    stored ones, compared whole (a first touch moved, gone or in another
    account; a CRM stage gained, lost or changed), so that `built_at` says
    when an account's stages last changed. -#}
{%- set changed_accounts %}
with now_rows as (
    {{ now_reached }}
),
stored_rows as (
    select account_id, person_id, opportunity_id, stage, reached_at, value from {{ this }}
)
select gained.account_id from (select * from now_rows except select * from stored_rows) as gained
union
select lost.account_id from (select * from stored_rows except select * from now_rows) as lost
{%- endset %}
{{ config(scope=changed_accounts) }}
with
{%- if is_incremental() %}
scope_accounts as (
    {{ changed_accounts }}
),
{%- endif %}
reached as (
    {%- if 'awareness' in stages %}
    {{ touch_reached }}
    {%- if is_incremental() %}
    where account_id in (select account_id from scope_accounts)
    {%- endif %}
    group by account_id
    union all
    {%- endif %}
    select * from ({{ crm_reached }}) as crm
    {%- if is_incremental() %}
    where crm.account_id in (select account_id from scope_accounts)
    {%- endif %}
)
select
    account_id,
    person_id,
    opportunity_id,
    stage,
    case stage
    {%- for s in stages %}
        when '{{ s }}' then {{ loop.index }}
    {%- endfor %}
    end as stage_index,
    reached_at,
    value,
    {{ run_stamp() }} as built_at
from reached
where reached_at is not null
