{{ config(materialized='view', schema='staging', tags=['intermediate']) }}
{#- Every touch with the person it belongs to: the join of the event tables
    with the identity map, before accounts are attached. -#}
{{ person_touches(ref('identity_map'), ref('int_web_events'), ref('int_ad_clicks'), ref('int_email_touches'), ref('int_crm_touches')) }}
