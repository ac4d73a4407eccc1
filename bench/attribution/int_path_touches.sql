{{ config(materialized='table', schema='staging') }}
{#- Benchmark stand-in for the package's int_path_touches: var('paths') paths
    of 1-9 touches (about 5 on average) over var('channels') channels, a third
    of them converting (closed_won). Deterministic pseudo-random numbers from
    integer arithmetic, so both engines generate the same rows. -#}
{%- set n = var('paths', 100000) %}
{%- set channels = var('channels', 20) %}
with paths as (
    -- bigint: the hashing below overflows Postgres's integer
    select
        cast(p as bigint) as path_number,
        1 + (cast(p as bigint) * 7919) % 9 as path_length,
        (cast(p as bigint) * 104729) % 3 = 0 as converted
    from generate_series(1, {{ n }}) as g(p)
),
touches as (
    select
        paths.*,
        t as position,
        ((path_number * 2654435761 + t * 40503) % 1000003) % {{ channels }} as channel_number
    from paths
    join generate_series(1, 9) as s(t) on s.t <= paths.path_length
)
select
    {{ hash_key("'p'", 'path_number') }} as path_id,
    'a' || cast(path_number as {{ sql_type('text') }}) as account_id,
    cast(null as {{ sql_type('key') }}) as person_id,
    case when converted then 'o' || cast(path_number as {{ sql_type('text') }}) end as opportunity_id,
    converted,
    'closed_won' as conversion_stage,
    case when converted then cast('2025-06-01' as timestamp) end as converted_at,
    case when converted then cast(1000 + (path_number % 50) * 100 as {{ sql_type('double') }}) else 0 end as revenue,
    cast('2025-06-01' as timestamp) as ends_at,
    {{ hash_key("'t'", 'path_number', 'position') }} as touchpoint_id,
    cast('2025-06-01' as timestamp) - (path_length - position) * 3 * interval '1 day' as occurred_at,
    'Channel ' || cast(channel_number as {{ sql_type('text') }}) as channel,
    'campaign ' || cast(channel_number % 7 as {{ sql_type('text') }}) as campaign,
    position,
    path_length,
    cast((path_length - position) * 3 as {{ sql_type('double') }}) as days_before_end
from touches
