{{ config(materialized='view', schema='staging', tags=['staging']) }}
{#- Every ad_clicks source, with standard column names and types. -#}
{{ union_sources('ad_clicks', [
    ['click_id', 'text'],
    ['occurred_at', 'timestamp'],
    ['platform', 'text'],
    ['campaign', 'text'],
    ['ad_group', 'text'],
    ['anonymous_id', 'text'],
    ['email', 'text'],
    ['gclid', 'text'],
    ['cost', 'double']
], text_of=['occurred_at']) }}
