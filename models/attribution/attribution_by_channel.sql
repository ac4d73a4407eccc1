{{ config(materialized='table', tags=['output', 'attribution']) }}
{#- Conversions and revenue credited to each channel, per model and
    conversion type. For markov the totals are the removal-effect shares
    (RE / sum of RE x all conversions), as the model defines them. Where an
    ad_spend source is declared, spend (campaigns mapped to the channel their
    touches mostly carry), cost per conversion and return on ad spend. -#}
with credited as (
    {{ credit_totals(journey.attribution.models | reject('equalto', 'markov') | list, 'channel', 'channel') }}
    {%- if 'markov' in journey.attribution.models %}
    union all
    select 'markov', conversion_stage, channel, conversions, revenue
    from {{ ref('markov_removal_effects') }}
    {%- endif %}
),
spend as (
    select channel, sum(cost) as spend
    from {{ ref('int_campaign_spend') }}
    group by channel
)
select
    c.model,
    c.conversion_stage,
    c.channel,
    c.conversions,
    c.revenue,
    s.spend,
    case when c.conversions > 0 then s.spend / c.conversions end as cost_per_conversion,
    case when s.spend > 0 then c.revenue / s.spend end as roas
from credited as c
left join spend as s on s.channel = c.channel
