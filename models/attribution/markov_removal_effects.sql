{{ config(materialized='table', tags=['output', 'attribution', 'markov']) }}
{#- Removal effect of each channel: RE = 1 - P(conversion without the channel)
    / P(conversion), from int_markov_absorption at (start). A channel's share
    of the conversions (and revenue) is RE / sum of all channels' RE. -#}
with chance as (
    select conversion_stage, removed_channel, probability as conversion_probability
    from {{ ref('int_markov_absorption') }}
    where state = '(start)' and to_state = '(conversion)'
),
base as (
    select conversion_stage, conversion_probability as p from chance where removed_channel = ''
),
effects as (
    select
        c.conversion_stage,
        c.removed_channel as channel,
        case when b.p > 0 then 1 - c.conversion_probability / b.p else 0 end as removal_effect
    from chance as c
    join base as b on b.conversion_stage = c.conversion_stage
    where c.removed_channel <> ''
),
totals as (
    select conversion_stage, sum(case when converted then 1 else 0 end) as conversions, sum(revenue) as revenue
    from {{ ref('conversion_paths') }}
    group by conversion_stage
)
select
    e.conversion_stage,
    e.channel,
    e.removal_effect,
    case when sum(e.removal_effect) over (partition by e.conversion_stage) > 0
        then e.removal_effect / sum(e.removal_effect) over (partition by e.conversion_stage) * t.conversions
        else 0 end as conversions,
    case when sum(e.removal_effect) over (partition by e.conversion_stage) > 0
        then e.removal_effect / sum(e.removal_effect) over (partition by e.conversion_stage) * t.revenue
        else 0 end as revenue
from effects as e
join totals as t on t.conversion_stage = e.conversion_stage
