{{ config(materialized='view', tags=['output', 'attribution']) }}
{#- Credit of every touch of every conversion under each model of
    journey.attribution.models, one row per conversion, touch and model with a
    credit above 0; for each conversion and model the credits sum to 1 (a
    conversion with no touch in its window gives its 1 to the channel
    '(no touch)'). revenue_credit = credit x the conversion's revenue.
    A view over int_attribution_credits, which stores the same credits one row
    per touch with a column per model: writing ten times the rows as a table
    cost more than the whole computation (see BENCHMARKS.md), while reading
    the view unpivots in a fraction of a second per million touches. The
    models themselves are described in int_attribution_credits. -#}
{%- set models = journey.attribution.models %}
select
    w.path_id,
    w.touchpoint_id,
    m.model,
    m.credit,
    m.credit * w.revenue as revenue_credit,
    w.conversion_stage,
    w.account_id,
    w.converted_at,
    w.channel,
    w.campaign
from {{ ref('int_attribution_credits') }} as w
cross join lateral (
    values
    {%- for model in models %}
    ('{{ model }}', w.{{ model }}_credit){% if not loop.last %},{% endif %}
    {%- endfor %}
) as m(model, credit)
where m.credit > 0
