{{ config(materialized='view', schema='staging', tags=['staging']) }}
{#- Every ad_spend source, with standard column names and types. -#}
{{ union_sources('ad_spend', [
    ['date', 'date'],
    ['platform', 'text'],
    ['campaign', 'text'],
    ['cost', 'double'],
    ['impressions', 'bigint'],
    ['clicks', 'bigint']
]) }}
