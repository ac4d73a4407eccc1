{{ config(materialized='table', schema='staging', tags=['intermediate', 'attribution']) }}
{#- Ad spend per campaign and day, with the channel of the campaign: the
    channel most of its touches carry, else the channel its platform's paid
    clicks fall in. Empty when no ad_spend source is declared. -#}
with spend as (
    select
        date,
        lower(trim(platform)) as platform,
        nullif(lower(trim(campaign)), '') as campaign,
        coalesce(cost, 0) as cost
    from {{ ref('stg_ad_spend') }}
    where date is not null
),
campaign_channels as (
    select campaign, channel
    from (
        select campaign, channel, row_number() over (partition by campaign order by count(*) desc, channel) as pick
        -- the stored touches: no person or account is needed here
        from {{ ref('int_touches') }}
        where campaign is not null and is_marketing_touch
        group by campaign, channel
    ) as ranked
    where pick = 1
)
select
    s.date,
    s.platform,
    s.campaign,
    coalesce(c.channel, {{ channel_case("'ad_click'", 's.platform', site_name('s.platform'), "'cpc'", 's.campaign', 'cast(null as ' ~ sql_type('text') ~ ')') }}) as channel,
    s.cost
from spend as s
left join campaign_channels as c on c.campaign = s.campaign
