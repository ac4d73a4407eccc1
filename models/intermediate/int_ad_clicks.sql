{{ config(
    materialized='incremental',
    unique_key='click_key',
    schema='staging',
    on_schema_change='append_new_columns',
    tags=['intermediate', 'events']
) }}
{#- Ad clicks, cleaned. A click that also reached the site appears in the web
    events too (same gclid); touchpoints keep one of the two. -#}
with cleaned as (
    select
        source,
        nullif(trim(click_id), '') as click_id,
        occurred_at,
        lower(trim(platform)) as platform,
        nullif(lower(trim(campaign)), '') as campaign,
        nullif(trim(ad_group), '') as ad_group,
        {{ clean_id('anonymous_id') }} as anonymous_id,
        {{ clean_email('email') }} as email,
        {{ clean_id('gclid') }} as gclid,
        cost
    from {{ ref('stg_ad_clicks') }}
    where occurred_at is not null
    {%- if is_incremental() %}
      and {{ since('occurred_at', window_start()) }}
    {%- endif %}
),
keyed as (
    select
        *,
        {{ hash_key('source', "coalesce(click_id, '')", "coalesce(anonymous_id, '')", "coalesce(gclid, '')", 'cast(occurred_at as ' ~ sql_type('text') ~ ')') }} as click_key
    from cleaned
    where anonymous_id is not null or email is not null or gclid is not null
)
select distinct on (click_key)
    click_key, source, click_id, occurred_at, platform, campaign, ad_group,
    anonymous_id, email, gclid, cost,
    {{ run_stamp() }} as written_at
from keyed
order by click_key, occurred_at
