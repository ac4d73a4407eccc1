{{ config(materialized='table', tags=['core', 'output', 'stages']) }}
{#- Each time an account reaches a funnel stage (journey.stages): awareness at
    its first touch, mql and sql when its first contact became one, and every
    opportunity created and won. `value` is the opportunity amount. -#}
{%- set stages = journey.stages %}
with touches as (
    select account_id, person_id, occurred_at, touchpoint_id
    from {{ ref('touchpoints') }}
    where account_id is not null
),
contacts as (
    select c.*, p.person_id
    from (
        select {{ clean_id('contact_id') }} as contact_id, {{ clean_id('account_id') }} as account_id, mql_at, sql_at
        from {{ ref('stg_contacts') }}
    ) as c
    left join {{ ref('identity_map') }} as p on p.identifier_type = 'contact_id' and p.identifier = c.contact_id
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
    {%- for stage in stages %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    {%- if stage == 'awareness' %}
    -- the account's first touch: an aggregate, not a numbering of every touch
    select
        account_id, {{ first_by('person_id', 'occurred_at', 'touchpoint_id') }} as person_id, cast(null as {{ sql_type('text') }}) as opportunity_id,
        'awareness' as stage, min(occurred_at) as reached_at, cast(null as {{ sql_type('double') }}) as value
    from touches
    group by account_id
    {%- elif stage in ['mql', 'sql'] %}
    select account_id, person_id, cast(null as {{ sql_type('text') }}) as opportunity_id, '{{ stage }}' as stage, {{ stage }}_at as reached_at, cast(null as {{ sql_type('double') }}) as value
    from (
        select *, row_number() over (partition by account_id order by {{ stage }}_at, contact_id) as n
        from contacts
        where {{ stage }}_at is not null
    ) as firsts
    where n = 1
    {%- elif stage == 'opportunity' %}
    select o.account_id, p.person_id, o.opportunity_id, 'opportunity' as stage, o.created_at as reached_at, o.amount as value
    from opportunities as o
    left join {{ ref('identity_map') }} as p on p.identifier_type = 'contact_id' and p.identifier = o.primary_contact_id
    {%- elif stage == 'closed_won' %}
    select o.account_id, p.person_id, o.opportunity_id, 'closed_won' as stage, o.closed_at as reached_at, o.amount as value
    from opportunities as o
    left join {{ ref('identity_map') }} as p on p.identifier_type = 'contact_id' and p.identifier = o.primary_contact_id
    where o.is_won and o.closed_at is not null
    {%- endif %}
    {%- endfor %}
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
    value
from reached
where reached_at is not null
