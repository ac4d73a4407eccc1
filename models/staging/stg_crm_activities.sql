{{ config(materialized='view', schema='staging', tags=['staging']) }}
{#- Every crm_activities source, with standard column names and types. -#}
{{ union_sources('crm_activities', [
    ['activity_id', 'text'],
    ['occurred_at', 'timestamp'],
    ['activity_type', 'text'],
    ['contact_id', 'text'],
    ['email', 'text'],
    ['account_id', 'text'],
    ['channel', 'text'],
    ['campaign', 'text']
], text_of=['occurred_at']) }}
