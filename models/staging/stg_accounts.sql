{{ config(materialized='view', schema='staging', tags=['staging']) }}
{#- Every accounts source, with standard column names and types. -#}
{{ union_sources('accounts', [
    ['account_id', 'text'],
    ['name', 'text'],
    ['domain', 'text'],
    ['industry', 'text'],
    ['employee_count', 'bigint'],
    ['annual_revenue', 'double'],
    ['country', 'text'],
    ['created_at', 'timestamp']
]) }}
