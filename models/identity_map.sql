{{ config(materialized='table', tags=['core', 'identity']) }}
{#- People are the connected components of the identity graph. Before the
    components are found, a device seen with more user ids or emails than
    journey.identity allows is treated as shared (a kiosk, a family laptop):
    it stays in the graph but links nobody, so it cannot merge a whole company.
    Every contact is a node (duplicate CRM contacts with one email merge). -#}
with contact_edges as (
    select 'contact_id' as type_a, contact_id as node_a, 'email' as type_b, email as node_b
    from (
        select {{ clean_id('contact_id') }} as contact_id, {{ clean_email('email') }} as email
        from {{ ref('stg_contacts') }}
    ) as c
    where contact_id is not null and email is not null
    union all
    select 'contact_id', contact_id, 'contact_id', contact_id
    from (select {{ clean_id('contact_id') }} as contact_id from {{ ref('stg_contacts') }}) as c
    where contact_id is not null
),
edges as (
    select type_a, node_a, type_b, node_b from {{ ref('int_identity_edges') }}
    union
    select type_a, node_a, type_b, node_b from contact_edges
),
device_load as (
    select
        node_a as device,
        count(distinct case when type_b = 'user_id' then node_b end) as user_ids,
        count(distinct case when type_b = 'email' then node_b end) as emails
    from edges
    where type_a = 'anonymous_id'
    group by node_a
),
shared_devices as (
    select device
    from device_load
    where user_ids > {{ journey.identity.max_user_ids_per_device }}
       or emails > {{ journey.identity.max_emails_per_device }}
),
kept as (
    select e.*
    from edges as e
    where not (
        e.type_a = 'anonymous_id' and e.type_b <> 'anonymous_id'
        and e.node_a in (select device from shared_devices)
    )
),
nodes as (
    select type_a || ':' || node_a as node from edges
    union
    select type_b || ':' || node_b from edges
),
links as (
    select type_a || ':' || node_a as a, type_b || ':' || node_b as b from kept where not (type_a = type_b and node_a = node_b)
    union
    select type_b || ':' || node_b, type_a || ':' || node_a from kept where not (type_a = type_b and node_a = node_b)
),
reach as (
    -- every node reaches the labels of its component; the smallest names it
    with recursive walk(node, label) as (
        select node, node from nodes
        union
        select l.b, w.label from walk as w join links as l on l.a = w.node
    )
    select node, min(label) as root from walk group by node
)
select
    substr(node, position(':' in node) + 1) as identifier,
    substr(node, 1, position(':' in node) - 1) as identifier_type,
    {{ hash_key('root') }} as person_id
from reach
