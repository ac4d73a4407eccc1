{{ config(
    materialized='fixpoint',
    unique_key=['conversion_stage', 'removed_channel', 'state', 'to_state'],
    fixpoint_value='probability',
    tolerance=1e-13,
    schema='staging',
    tags=['intermediate', 'attribution', 'markov']
) }}
{#- For each Markov chain — the chain itself (removed_channel '') and the
    chain with one channel removed — the probability of ending in each
    absorbing state, (conversion) or (null), from each state. Exact: no
    simulation, iterated in the warehouse until no probability moves by more
    than 1e-13, so every run gives the same numbers. Removing a channel sends
    every state containing it to (null).
    Order 1 (a dozen states per chain) squares the transition matrix:
    after n iterations a row holds the chance of being in to_state after 2^n
    steps, the absorbing states keeping what they hold. At 10M events it
    settles in 17 iterations (0.10-0.14 s); the value iteration below took
    177 (0.33-0.39 s of every run). Higher orders have up to hundreds of
    states per chain, whose squared matrices are dense: there each iteration
    is one step, v(s) = sum over t of p(s, t) * v(t), on the sparse moves,
    with v((conversion)) = 1 and v((null)) = 0; to_state is (conversion). -#}
with moves as (
    select * from {{ ref('int_markov_moves') }}
)
{%- if journey.attribution.markov_order == 1 %}
{#- Every state keeps a (conversion) row, 0 where no path converts from it
    (markov_removal_effects reads it at (start) for every chain). #}
{%- if fixpoint_start() %}
select conversion_stage, removed_channel, state, to_state, sum(probability) as probability
from (
    select conversion_stage, removed_channel, from_state as state, to_state, probability
    from moves
    union all
    select conversion_stage, removed_channel, from_state, '(conversion)', 0
    from moves
) as first_steps
group by conversion_stage, removed_channel, state, to_state
{%- else %}
select conversion_stage, removed_channel, state, to_state, sum(probability) as probability
from (
    -- two halves of 2^(n+1) steps: to t in 2^n, then on from t in 2^n
    select a.conversion_stage, a.removed_channel, a.state, b.to_state, a.probability * b.probability as probability
    from {{ this }} as a
    join {{ this }} as b
        on b.conversion_stage = a.conversion_stage
       and b.removed_channel = a.removed_channel
       and b.state = a.to_state
    -- a chance below 1e-100 is dropped: far under the tolerance, and its
    -- square would underflow, which Postgres raises as an error
    where a.probability > 1e-100 and b.probability > 1e-100
    union all
    -- absorbed within 2^n steps: stays absorbed
    select conversion_stage, removed_channel, state, to_state, probability
    from {{ this }}
    where to_state in ('(conversion)', '(null)')
    union all
    select conversion_stage, removed_channel, state, '(conversion)', 0
    from {{ this }}
) as paths
group by conversion_stage, removed_channel, state, to_state
{%- endif %}
{%- elif fixpoint_start() %}
select distinct conversion_stage, removed_channel, from_state as state, '(conversion)' as to_state, cast(0 as {{ sql_type('double') }}) as probability
from moves
{%- else %}
select
    m.conversion_stage,
    m.removed_channel,
    m.from_state as state,
    '(conversion)' as to_state,
    sum(m.probability * case
        when m.to_state = '(conversion)' then 1
        when m.to_state = '(null)' then 0
        else coalesce(v.probability, 0)
    end) as probability
from moves as m
left join {{ this }} as v
    on v.conversion_stage = m.conversion_stage
   and v.removed_channel = m.removed_channel
   and v.state = m.to_state
group by m.conversion_stage, m.removed_channel, m.from_state
{%- endif %}
