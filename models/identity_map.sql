{{ config(
    materialized='incremental',
    unique_key=['identifier_type', 'identifier'],
    incremental_strategy='delete+insert',
    tags=['core', 'identity']
) }}
{#- People are the connected components of the identity graph. Before the
    components are found, a device seen with more user ids or emails than
    journey.identity allows is treated as shared (a kiosk, a family laptop):
    it stays in the graph but links nobody, so it cannot merge a whole company.
    Every contact is a node (duplicate CRM contacts with one email merge).

    Incremental runs recompute only the people the new edges can change: the
    ends of every edge seen in the window that is not inert, and of every CRM
    contact edge the table does not reflect yet (contacts carry no time),
    with everyone who belonged to the same people before. An edge is inert
    when both its ends were one person already and no shared device cuts it
    (its device, if any, is within the limits now): it joins nothing that was
    apart. That set is closed: an edge still kept links two nodes of one
    previous person, or is new and has both ends in it (a device's load,
    counted over all its edges, only grows, so no edge dropped before is kept
    now). Its components are therefore the full graph's, and every node in
    it is written again (delete+insert on the identifier). The ends of inert
    edges outside it keep their person and stamps; only their last_seen_at
    moves. (At 10M events, 65k of the 67k edges seen in the last 1% of
    events are inert: the people to recompute drop from 71k identifiers to
    a few thousand.) An identifier that disappears from the sources (a
    contact deleted in the CRM) stays until a full refresh, as with any
    incremental model. -#}
{#- Devices (anonymous ids) over journey.identity's limits, counted over all
    their edges; with `devices` (a query of anonymous ids), only those. -#}
{%- macro shared_devices_among(devices=none) -%}
select node_a as device
    from {{ ref('int_identity_edges') }}
    where type_a = 'anonymous_id'
    {%- if devices %}
      and node_a in ({{ devices }})
    {%- endif %}
    group by node_a
    having count(distinct case when type_b = 'user_id' then node_b end) > {{ journey.identity.max_user_ids_per_device }}
        or count(distinct case when type_b = 'email' then node_b end) > {{ journey.identity.max_emails_per_device }}
{%- endmacro -%}
with contacts as materialized (
    -- cleaned once for both kinds of contact edge (the email's pattern
    -- match is most of the cost of reading the contacts)
    select {{ clean_id('contact_id') }} as contact_id, {{ clean_email('email') }} as email
    from {{ ref('stg_contacts') }}
),
contact_edges as (
    select 'contact_id' as type_a, contact_id as node_a, 'email' as type_b, email as node_b
    from contacts
    where contact_id is not null and email is not null
    union all
    select 'contact_id', contact_id, 'contact_id', contact_id
    from contacts
    where contact_id is not null
),
all_edges as (
    select type_a, node_a, type_b, node_b, last_seen_at from {{ ref('int_identity_edges') }}
    union all
    select type_a, node_a, type_b, node_b, cast(null as timestamp) from contact_edges
),
{%- if is_incremental() %}
{#- The scope is found by (type, identifier) pairs, and only the edges in
    it are grouped and named: naming and grouping every edge of the graph
    cost most of an incremental run (0.6 s of 1.0 at 1.4M edges). -#}
previous_contacts as (
    select identifier_type, identifier, person_id
    from {{ this }}
    where identifier_type in ('contact_id', 'email')
),
unreflected as (
    -- contact edges whose ends are missing or apart in the previous build
    -- (read from the contacts and from the edges of type contact_id, not
    -- from all_edges: read once, all_edges is not materialised)
    select e.type_a, e.node_a, e.type_b, e.node_b
    from (
        select type_a, node_a, type_b, node_b from contact_edges
        union all
        select type_a, node_a, type_b, node_b from {{ ref('int_identity_edges') }} where type_a = 'contact_id'
    ) as e
    left join previous_contacts as pa on pa.identifier_type = e.type_a and pa.identifier = e.node_a
    left join previous_contacts as pb on pb.identifier_type = e.type_b and pb.identifier = e.node_b
    where pa.person_id is null or pb.person_id is null or pa.person_id <> pb.person_id
),
window_edges as materialized (
    select type_a, node_a, type_b, node_b, last_seen_at
    from {{ ref('int_identity_edges') }}
    where last_seen_at >= {{ window_start('last_seen_at') }}
),
window_shared as (
    -- devices of those edges over a limit now
    {{ shared_devices_among("select node_a from window_edges where type_a = 'anonymous_id' and type_b <> 'anonymous_id'") }}
),
window_persons as materialized (
    -- the previous person of each end, looked up once per end (joined
    -- twice to the whole map, DuckDB hashed the map for the second join:
    -- 0.17 s at 10M events)
    select m.identifier_type, m.identifier, m.person_id
    from (
        select type_a as identifier_type, node_a as identifier from window_edges
        union
        select type_b, node_b from window_edges
    ) as w
    join {{ this }} as m on m.identifier_type = w.identifier_type and m.identifier = w.identifier
),
window_flagged as materialized (
    select
        e.*,
        coalesce(pa.person_id = pb.person_id, false)
            and not (e.type_a = 'anonymous_id' and e.type_b <> 'anonymous_id'
                     and e.node_a in (select device from window_shared)) as is_inert
    from window_edges as e
    left join window_persons as pa on pa.identifier_type = e.type_a and pa.identifier = e.node_a
    left join window_persons as pb on pb.identifier_type = e.type_b and pb.identifier = e.node_b
),
recent as (
    select type_a, node_a, type_b, node_b from window_flagged where not is_inert
    union all
    select type_a, node_a, type_b, node_b from unreflected
),
seeds as (
    select type_a as identifier_type, node_a as identifier from recent
    union
    select type_b, node_b from recent
),
scope_pairs as (
    -- the seeds and everyone who belonged to the same people before
    select identifier_type, identifier from seeds
    union
    select p.identifier_type, p.identifier
    from {{ this }} as p
    where p.person_id in (
        select q.person_id
        from {{ this }} as q
        join seeds as s on s.identifier_type = q.identifier_type and s.identifier = q.identifier
    )
),
scope as (
    select identifier_type || ':' || identifier as node from scope_pairs
),
edges_in_scope as (
    {{ with_either_end_in('all_edges', 'scope_pairs', ['type_a', 'node_a'], ['type_b', 'node_b'], ['identifier_type', 'identifier']) }}
),
{%- else %}
edges_in_scope as (
    select * from all_edges
),
{%- endif %}
scoped_edges as (
    -- a and b name each end once, typed ('email:pat@beta.io'), as the graph
    -- below uses them
    select
        type_a, node_a, type_b, node_b,
        type_a || ':' || node_a as a,
        type_b || ':' || node_b as b,
        max(last_seen_at) as last_seen_at
    from edges_in_scope
    group by type_a, node_a, type_b, node_b
),
{%- if is_incremental() %}
previous as (
    select p.identifier_type || ':' || p.identifier as node, p.person_id, p.resolved_at
    from {{ this }} as p
    join scope_pairs as s on s.identifier_type = p.identifier_type and s.identifier = p.identifier
),
{%- endif %}
shared_devices as (
    -- over all of a device's edges, not only those in scope: a shared device
    -- outside the scope whose edges reach two people in it must stay cut
    {{ shared_devices_among("select node_a from scoped_edges where type_a = 'anonymous_id'" if is_incremental() else none) }}
),
kept as (
    select e.*
    from scoped_edges as e
    where not (
        e.type_a = 'anonymous_id' and e.type_b <> 'anonymous_id'
        and e.node_a in (select device from shared_devices)
    )
),
node_times as (
    -- every end of an edge, with the last time it was seen
    select node, max(last_seen_at) as last_seen_at
    from (
        select a as node, last_seen_at from scoped_edges
        union all
        select b, last_seen_at from scoped_edges
    ) as ends
    group by node
),
nodes as (
    select node, last_seen_at
    from node_times
    {%- if is_incremental() %}
    where node in (select node from scope)
    {%- endif %}
),
links as (
    select a, b from kept where a <> b
    union
    select b, a from kept where a <> b
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
{%- if is_incremental() %}
,
inert_ends as (
    select identifier_type, identifier, max(last_seen_at) as last_seen_at
    from (
        select type_a as identifier_type, node_a as identifier, last_seen_at from window_flagged where is_inert
        union all
        select type_b, node_b, last_seen_at from window_flagged where is_inert
    ) as ends
    group by identifier_type, identifier
)
{%- endif %}
{%- set person_id = hash_key('r.root') %}
select
    substr(r.node, position(':' in r.node) + 1) as identifier,
    substr(r.node, 1, position(':' in r.node) - 1) as identifier_type,
    {{ person_id }} as person_id,
    n.last_seen_at,
    -- when the identifier last changed person (or appeared): the touches
    -- carrying it are attached again (int_touches)
    {%- if is_incremental() %}
    case when pr.person_id = {{ person_id }} then pr.resolved_at else {{ run_stamp() }} end as resolved_at
    {%- else %}
    {{ run_stamp() }} as resolved_at
    {%- endif %},
    -- when jmap last recomputed the row's person: every identifier of the
    -- people an incremental run recomputed, so persons finds them (a person
    -- that lost an identifier to another keeps its key, but its rows are
    -- stamped again); the ends of inert edges keep theirs
    {{ run_stamp() }} as built_at
from reach as r
join nodes as n on n.node = r.node
{%- if is_incremental() %}
left join previous as pr on pr.node = r.node
union all
-- the ends of inert edges outside the scope whose last_seen_at moved
select p.identifier, p.identifier_type, p.person_id, greatest(p.last_seen_at, t.last_seen_at), p.resolved_at, p.built_at
from {{ this }} as p
join inert_ends as t on t.identifier_type = p.identifier_type and t.identifier = p.identifier
where (p.last_seen_at is null or t.last_seen_at > p.last_seen_at)
  and not exists (
      select 1 from scope_pairs as s where s.identifier_type = p.identifier_type and s.identifier = p.identifier
  )
{%- endif %}
