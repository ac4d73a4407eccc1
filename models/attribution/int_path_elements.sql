{#- Rebuilt by account like int_path_touches, which it reads (whole when
    paths are person-based, as int_path_touches is). -#}
{%- set by_account = not journey.attribution.person_based %}
{{ config(schema='staging') }}
{%- set changed_accounts = path_accounts_changed_since(ref('int_path_touches'), this) %}
{{ paths_by_account(changed_accounts, ['intermediate', 'attribution']) }}
{#- Paths simplified for the data-driven models (journey.attribution.
    path_transform): `unique` keeps every touch; `exposure` merges repeats in
    a row (A > A > B is A > B); `first` keeps the first occurrence of each
    channel; `frequency` does the same and labels each with its count
    (A(2) > B(1)). One row per touch: the element it became, and whether it is
    the element's first touch (element-level readers filter on that instead of
    de-duplicating millions of rows). -#}
{%- set transform = journey.attribution.path_transform %}
with touches as (
    select path_id, account_id, conversion_stage, converted, revenue, touchpoint_id, position, channel
    from {{ ref('int_path_touches') }}
    where touchpoint_id is not null
    {%- if by_account and is_incremental() %}
      and account_id in ({{ changed_accounts }})
    {%- endif %}
),
{%- if transform == 'unique' %}
numbered as (
    select *, position as element, true as is_element_start from touches
)
{%- elif transform == 'exposure' %}
runs as (
    select *, case when lag(channel) over (partition by path_id order by position) = channel then 0 else 1 end as starts_run
    from touches
),
numbered as (
    select
        *,
        sum(starts_run) over (partition by path_id order by position rows between unbounded preceding and current row) as element,
        starts_run = 1 as is_element_start
    from runs
)
{%- else %}
firsts as (
    select *, min(position) over (partition by path_id, channel) as first_position,
        count(*) over (partition by path_id, channel) as channel_touches
    from touches
),
numbered as (
    select *, dense_rank() over (partition by path_id order by first_position) as element, position = first_position as is_element_start
    from firsts
)
{%- endif %}
select
    path_id,
    account_id,
    conversion_stage,
    converted,
    revenue,
    touchpoint_id,
    position,
    element,
    is_element_start,
    channel,
    {%- if transform == 'frequency' %}
    channel || '(' || cast(channel_touches as {{ sql_type('text') }}) || ')' as label,
    {%- else %}
    channel as label,
    {%- endif %}
    {{ run_stamp() }} as built_at
from numbered
