{{ config(materialized='table', tags=['core', 'output', 'stages']) }}
{#- Stage-to-stage conversion over accounts: of the accounts that reached a
    stage (`entered`), how many reached the next one (`converted`), and the
    median and 75th percentile of the days it took (0 when the next stage was
    recorded first, as happens when a CRM skips a stage). -#}
{%- set stages = journey.stages %}
with firsts as (
    select account_id, stage, min(reached_at) as reached_at
    from {{ ref('stage_events') }}
    group by account_id, stage
),
pairs as (
    {%- for s in stages[:-1] %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select {{ loop.index }} as stage_index, '{{ s }}' as stage, '{{ stages[loop.index] }}' as next_stage
    {%- endfor %}
    {%- if stages | length < 2 %}
    select 0 as stage_index, cast(null as {{ sql_type('text') }}) as stage, cast(null as {{ sql_type('text') }}) as next_stage where 1 = 0
    {%- endif %}
),
steps as (
    select
        p.stage_index,
        p.stage,
        p.next_stage,
        a.account_id,
        b.reached_at is not null as converted,
        case when b.reached_at is not null then greatest({{ datediff_days('a.reached_at', 'b.reached_at') }}, 0) end as days
    from pairs as p
    join firsts as a on a.stage = p.stage
    left join firsts as b on b.account_id = a.account_id and b.stage = p.next_stage
)
select
    stage,
    next_stage,
    count(*) as entered,
    sum(case when converted then 1 else 0 end) as converted,
    cast(sum(case when converted then 1 else 0 end) as {{ sql_type('double') }}) / count(*) as conversion_rate,
    {{ percentile('days', 0.5) }} as median_days,
    {{ percentile('days', 0.75) }} as p75_days,
    min(stage_index) as stage_index
from steps
group by stage, next_stage
