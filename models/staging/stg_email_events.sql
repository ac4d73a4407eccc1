{{ config(materialized='view', schema='staging', tags=['staging']) }}
{#- Every email_events source, with standard column names and types. -#}
{{ union_sources('email_events', [
    ['event_id', 'text'],
    ['occurred_at', 'timestamp'],
    ['email', 'text'],
    ['event_type', 'text'],
    ['campaign', 'text']
], text_of=['occurred_at']) }}
