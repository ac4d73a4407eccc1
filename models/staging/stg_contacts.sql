{{ config(materialized='view', schema='staging', tags=['staging']) }}
{#- Every contacts source, with standard column names and types. -#}
{{ union_sources('contacts', [
    ['contact_id', 'text'],
    ['email', 'text'],
    ['account_id', 'text'],
    ['created_at', 'timestamp'],
    ['mql_at', 'timestamp'],
    ['sql_at', 'timestamp'],
    ['job_title', 'text'],
    ['seniority', 'text']
]) }}
