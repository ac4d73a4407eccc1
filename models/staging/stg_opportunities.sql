{{ config(materialized='view', schema='staging', tags=['staging']) }}
{#- Every opportunities source, with standard column names and types. -#}
{{ union_sources('opportunities', [
    ['opportunity_id', 'text'],
    ['account_id', 'text'],
    ['created_at', 'timestamp'],
    ['closed_at', 'timestamp'],
    ['is_won', 'boolean'],
    ['amount', 'double'],
    ['primary_contact_id', 'text']
]) }}
