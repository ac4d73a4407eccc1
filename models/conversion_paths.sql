{#- Rebuilt by account like int_path_touches, which it reads: an incremental
    run rewrites the paths of the accounts int_path_touches wrote since this
    table's newest stamp, and drops the accounts it no longer has.
    Person-based paths (journey.attribution.person_based) are rebuilt whole,
    as int_path_touches is. -#}
{%- set by_account = not journey.attribution.person_based %}
{%- set changed_accounts = path_accounts_changed_since(ref('int_path_touches'), this) %}
{{ paths_by_account(changed_accounts, ['core', 'output', 'paths']) }}
{#- One row per conversion (and per account that did not convert, for each
    conversion type): the ordered channels of the touches before it. A path
    with no touch in its window has length 0 and an empty channel_path. -#}
select
    path_id,
    account_id,
    person_id,
    opportunity_id,
    converted,
    conversion_stage,
    converted_at,
    revenue,
    coalesce(string_agg(channel, ' > ' order by position), '') as channel_path,
    count(touchpoint_id) as path_length,
    {{ run_stamp() }} as built_at
from {{ ref('int_path_touches') }}
{%- if by_account and is_incremental() %}
where account_id in ({{ changed_accounts }})
{%- endif %}
group by path_id, account_id, person_id, opportunity_id, converted, conversion_stage, converted_at, revenue
