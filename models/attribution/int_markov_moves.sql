{{ config(materialized='table', schema='staging', tags=['intermediate', 'attribution', 'markov']) }}
{#- The transitions of every chain int_markov_absorption iterates: the chain
    itself (removed_channel '') and, per channel, the chain without it, where
    states containing the channel have no way out but (null). -#}
with chains as (
    select distinct conversion_stage, '' as removed_channel
    from {{ ref('markov_transitions') }}
    union all
    select distinct conversion_stage, channel
    from {{ ref('int_path_elements') }}
)
select c.conversion_stage, c.removed_channel, t.from_state, t.to_state, t.probability
from chains as c
join {{ ref('markov_transitions') }} as t on t.conversion_stage = c.conversion_stage
where c.removed_channel = '' or position(('|' || c.removed_channel || '|') in t.from_channels) = 0
