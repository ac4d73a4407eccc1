{#- Rebuilt by account like int_path_elements, which it reads (whole when
    paths are person-based). -#}
{%- set by_account = not journey.attribution.person_based %}
{%- if by_account %}
{{ config(
    materialized='incremental',
    unique_key='account_id',
    incremental_strategy='delete+insert',
    schema='staging',
    tags=['intermediate', 'attribution', 'shapley']
) }}
{%- set changed_accounts = path_accounts_changed_since(ref('int_path_elements'), this) %}
{{ config(scope=changed_accounts) }}
{%- else %}
{{ config(materialized='table', schema='staging', tags=['intermediate', 'attribution', 'shapley']) }}
{%- endif %}
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
