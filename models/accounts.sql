{{ config(materialized='table', tags=['core', 'output']) }}
{#- Accounts with firmographics and their fit to the ideal customer profile:
    fit_score is the share (0-100) of the weights of journey.icp.rules that the
    account meets; fit_tier the first of journey.icp.tiers whose min_score it
    reaches. -#}
{%- set rules = journey.icp.rules %}
{%- set total = rules | map(attribute='weight') | sum %}
with cleaned as (
    select
        {{ clean_id('account_id') }} as account_id,
        nullif(trim(name), '') as name,
        nullif({{ regexp_extract("lower(trim(domain))", '^(?:[a-z]+://)?(?:www\\.)?([^/:?#]+)') }}, '') as domain,
        nullif(trim(industry), '') as industry,
        employee_count,
        annual_revenue,
        nullif(upper(trim(country)), '') as country,
        created_at
    from {{ ref('stg_accounts') }}
),
deduped as (
    -- Merged CRM records leave the same account id twice: keep the newest.
    select *
    from (
        select *, row_number() over (partition by account_id order by created_at desc, name) as pick
        from cleaned
        where account_id is not null
    ) as ranked
    where pick = 1
),
scored as (
    select
        *,
        {%- if rules %}
        round(cast((
        {%- for r in rules %}
            {%- if r['in'] %}
            case when lower({{ r.field }}) in {{ in_list(r['in'] | map('lower') | list) }} then {{ r.weight }} else 0 end
            {%- else %}
            case when {{ r.field }} is not null
                {%- if r.min is not none %} and {{ r.field }} >= {{ r.min }}{% endif %}
                {%- if r.max is not none %} and {{ r.field }} <= {{ r.max }}{% endif %} then {{ r.weight }} else 0 end
            {%- endif %}
            {{- " +" if not loop.last }}
        {%- endfor %}
        ) * 100.0 / {{ total }} as numeric), 1) as fit_score
        {%- else %}
        cast(null as {{ sql_type('double') }}) as fit_score
        {%- endif %}
    from deduped
)
select
    account_id,
    name,
    domain,
    industry,
    employee_count,
    annual_revenue,
    country,
    created_at,
    cast(fit_score as {{ sql_type('double') }}) as fit_score,
    case
    {%- for t in journey.icp.tiers %}
        when fit_score >= {{ t.min_score }} then '{{ t.tier }}'
    {%- endfor %}
        else null
    end as fit_tier
from scored
