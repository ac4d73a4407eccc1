{{ config(
    materialized='fixpoint',
    unique_key=['conversion_stage', 'removed_channel', 'state'],
    fixpoint_value='conversion_probability',
    tolerance=1e-13,
    schema='staging',
    tags=['intermediate', 'attribution', 'markov']
) }}
{#- For each Markov chain — the chain itself (removed_channel '') and the
    chain with one channel removed — the probability of ending in a conversion
    from each state. Exact: the absorbing-chain equations
    v(s) = sum over t of p(s, t) * v(t), with v((conversion)) = 1 and
    v((null)) = 0, are iterated in the warehouse until no value moves by more
    than 1e-13 (no simulation, so every run gives the same numbers). Removing
    a channel sends every state containing it to (null). -#}
with moves as (
    select * from {{ ref('int_markov_moves') }}
)
{%- if fixpoint_start() %}
select distinct conversion_stage, removed_channel, from_state as state, cast(0 as {{ sql_type('double') }}) as conversion_probability
from moves
{%- else %}
select
    m.conversion_stage,
    m.removed_channel,
    m.from_state as state,
    sum(m.probability * case
        when m.to_state = '(conversion)' then 1
        when m.to_state = '(null)' then 0
        else coalesce(v.conversion_probability, 0)
    end) as conversion_probability
from moves as m
left join {{ this }} as v
    on v.conversion_stage = m.conversion_stage
   and v.removed_channel = m.removed_channel
   and v.state = m.to_state
group by m.conversion_stage, m.removed_channel, m.from_state
{%- endif %}
