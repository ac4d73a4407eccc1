{#- Rebuilt by account like int_path_elements, which it reads (whole when
    paths are person-based). -#}
{%- set by_account = not journey.attribution.person_based %}
{{ config(schema='staging') }}
{%- set changed_accounts = path_accounts_changed_since(ref('int_path_elements'), this) %}
{{ paths_by_account(changed_accounts, ['intermediate', 'attribution', 'shapley']) }}
{#- Each path's element sequence after path_transform as one text key
    ("A > B > C"): paths with the same key share their Shapley credits.
    Built once for int_shapley_credits (every path) and attribution_touchpoints
    (the converting ones): the ordered string_agg over millions of touches is
    the costliest step of both. -#}
select
    path_id,
    account_id,
    conversion_stage,
    converted,
    string_agg(label, ' > ' order by element) as path_key,
    {{ run_stamp() }} as built_at
from {{ ref('int_path_elements') }}
where is_element_start
{%- if by_account and is_incremental() %}
  and account_id in ({{ changed_accounts }})
{%- endif %}
group by path_id, account_id, conversion_stage, converted
