{{ config(materialized='view', schema='staging', tags=['staging']) }}
{#- Every web_events source, with standard column names and types. -#}
{{ union_sources('web_events', [
    ['event_id', 'text'],
    ['occurred_at', 'timestamp'],
    ['anonymous_id', 'text'],
    ['user_id', 'text'],
    ['email', 'text'],
    ['event_type', 'text'],
    ['event_name', 'text'],
    ['url', 'text'],
    ['referrer', 'text'],
    ['utm_source', 'text'],
    ['utm_medium', 'text'],
    ['utm_campaign', 'text'],
    ['utm_content', 'text'],
    ['utm_term', 'text'],
    ['gclid', 'text']
], text_of=['occurred_at']) }}
