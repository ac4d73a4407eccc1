{{ config(materialized='table', tags=['output', 'attribution']) }}
{#- Conversions and revenue credited to each campaign (of its touches), per
    model and conversion type, with spend, cost per conversion and return on ad
    spend where an ad_spend source is declared. -#}
with credited as (
    {{ credit_totals(journey.attribution.models, "coalesce(campaign, '(none)')", 'campaign') }}
),
spend as (
    select campaign, min(channel) as channel, sum(cost) as spend
    from {{ ref('int_campaign_spend') }}
    group by campaign
)
select
    c.model,
    c.conversion_stage,
    c.campaign,
    s.channel,
    c.conversions,
    c.revenue,
    s.spend,
    case when c.conversions > 0 then s.spend / c.conversions end as cost_per_conversion,
    case when s.spend > 0 then c.revenue / s.spend end as roas
from credited as c
left join spend as s on s.campaign = c.campaign
