{{ config(materialized='table', schema='staging', tags=['intermediate', 'attribution']) }}
{#- The credits of attribution_touchpoints, stored wide: one row per touch of
    every conversion with a `<model>_credit` column per model of
    journey.attribution.models (10x fewer rows to write than one row per
    touch and model, which at 1M paths is most of the cost); the view
    attribution_touchpoints turns them into rows. For each conversion and
    model the credits sum to 1; a conversion with no touch in its window is one
    row on the channel '(no touch)' with every credit 1.
    Heuristic models: first_touch, last_touch, last_non_direct (Direct only if
    nothing else), linear (1/n), position_based (n=1: 1; n=2: 1/2 each;
    n>=3: 0.4 first, 0.4 last, 0.2/(n-2) each between), time_decay
    (w = 2^(-days before the conversion / half_life_days), normalised).
    B2B milestone models, on the touches carrying the first touch (FT), lead
    creation (LC: the last touch at or before the account's first MQL),
    opportunity creation (OC) and closed-won (CW); a milestone missing from the
    path falls on the previous one, and coinciding milestones add up:
    u_shaped 40% FT, 40% LC, 20% over the touches between (50/50 to FT and LC
    when none); w_shaped 30% FT, LC and OC, 10% over the touches between FT and
    OC (else 50/50 to FT and OC); full_path 22.5% FT, LC, OC and CW, 10% over
    the touches between FT and CW (else 50/50 to FT and CW).
    Data-driven: markov splits a conversion between the channels of its path
    in proportion to their removal effects; shapley gives each element its
    normalised marginal contribution. Both share an element's credit equally
    among the touches it stands for. -#}
{%- set models = journey.attribution.models %}
{#- A milestone model's credit for touch t: `each` to every milestone (they add
    up when they coincide), `between` shared over the touches strictly between
    the first and the last milestone that are not milestones themselves
    (`between_count` of them), or, when there are none, `half` to the first and
    to the last milestone. -#}
{%- macro milestone_credit(marks, each, between, half, between_count) %}
        {%- for m in marks %}
        {% if not loop.first %}+ {% endif %}case when t.position = {{ m }} then {{ each }} else 0.0 end
        {%- endfor %}
        + case
            when {{ between_count }} > 0 then
                case when t.position > 1 and t.position < {{ marks[-1] }}
                    {%- for m in marks[1:-1] %} and t.position <> {{ m }}{% endfor %} then {{ between }} / {{ between_count }} else 0.0 end
            else case when t.position = 1 then {{ half }} else 0.0 end + case when t.position = {{ marks[-1] }} then {{ half }} else 0.0 end
          end
{%- endmacro %}
{%- set half_life = journey.attribution.half_life_days %}
with touches as (
    select *
    from {{ ref('int_path_touches') }}
    where converted and touchpoint_id is not null
),
first_mql as (
    select account_id, min(reached_at) as at from {{ ref('stage_events') }} where stage = 'mql' group by account_id
),
opportunities as (
    select opportunity_id, min(reached_at) as created_at from {{ ref('stage_events') }} where stage = 'opportunity' group by opportunity_id
),
milestones as (
    -- Positions of FT, LC, OC and CW in each path, each at or after the previous.
    select
        t.path_id,
        max(t.path_length) as n,
        greatest(coalesce(max(case when t.occurred_at <= m.at then t.position end), 1), 1) as lc_raw,
        max(case when t.occurred_at <= coalesce(o.created_at, t.converted_at) then t.position end) as oc_raw,
        -- per path here rather than as windows over the touches below
        -- (windows over many small partitions: 0.5 s of this model's 1.0 at 10M)
        sum(power(2.0, -t.days_before_end / {{ half_life }})) as decay_total,
        max(case when t.channel <> 'Direct' then t.position end) as last_non_direct
    from touches as t
    left join first_mql as m on m.account_id = t.account_id
    left join opportunities as o on o.opportunity_id = t.opportunity_id
    group by t.path_id
),
marks as (
    select path_id, n, lc_raw as lc, greatest(coalesce(oc_raw, lc_raw), lc_raw) as oc, n as cw, decay_total, last_non_direct
    from milestones
),
positioned as (
    select t.*, k.lc, k.oc, k.cw,
        -- touches strictly between the outer milestones, milestones excluded
        greatest(k.lc - 2, 0) as u_between,
        greatest(k.oc - 2 - case when k.lc > 1 and k.lc < k.oc then 1 else 0 end, 0) as w_between,
        greatest(k.cw - 2 - case when k.lc > 1 and k.lc < k.cw then 1 else 0 end
                          - case when k.oc > 1 and k.oc < k.cw and k.oc <> k.lc then 1 else 0 end, 0) as f_between,
        k.decay_total,
        k.last_non_direct
    from touches as t
    join marks as k on k.path_id = t.path_id
),
{%- if 'markov' in models %}
channel_touches as (
    -- Each path's touches per channel, among which a channel's credit is shared.
    select path_id, conversion_stage, channel, count(*) as touches
    from touches
    group by path_id, conversion_stage, channel
),
markov_totals as (
    -- The sum of the removal effects of each path's channels, each once.
    select c.path_id, sum(r.removal_effect) as total
    from channel_touches as c
    join {{ ref('markov_removal_effects') }} as r on r.conversion_stage = c.conversion_stage and r.channel = c.channel
    group by c.path_id
),
{%- endif %}
{%- if 'shapley' in models %}
element_touches as (
    -- The touches each element of a converting path stands for.
    select path_id, element, count(*) as touches
    from {{ ref('int_path_elements') }}
    where converted
    group by path_id, element
),
{%- endif %}
wide as (
    -- One row per touch with a column per model, all computed in one pass
    -- over the touches (one union branch per model read them once per model).
    select
        t.path_id, t.touchpoint_id, t.revenue, t.conversion_stage, t.account_id, t.converted_at, t.channel, t.campaign,
        {%- for model in models %}
        {%- if model == 'first_touch' %}
        case when t.position = 1 then 1.0 else 0.0 end
        {%- elif model == 'last_touch' %}
        case when t.position = t.path_length then 1.0 else 0.0 end
        {%- elif model == 'last_non_direct' %}
        case when t.position = coalesce(t.last_non_direct, t.path_length) then 1.0 else 0.0 end
        {%- elif model == 'linear' %}
        1.0 / t.path_length
        {%- elif model == 'position_based' %}
        case
            when t.path_length = 1 then 1.0
            when t.path_length = 2 then 0.5
            when t.position = 1 or t.position = t.path_length then 0.4
            else 0.2 / (t.path_length - 2)
        end
        {%- elif model == 'time_decay' %}
        power(2.0, -t.days_before_end / {{ half_life }}) / t.decay_total
        {%- elif model == 'u_shaped' %}
        {{- milestone_credit(['1', 't.lc'], '0.4', '0.2', '0.1', 't.u_between') }}
        {%- elif model == 'w_shaped' %}
        {{- milestone_credit(['1', 't.lc', 't.oc'], '0.3', '0.1', '0.05', 't.w_between') }}
        {%- elif model == 'full_path' %}
        {{- milestone_credit(['1', 't.lc', 't.oc', 't.cw'], '0.225', '0.1', '0.05', 't.f_between') }}
        {%- elif model == 'markov' %}
        case
            when mt.total > 0 then coalesce(me.removal_effect, 0) / mt.total / ct.touches
            when t.position = t.path_length then 1.0
            else 0.0
        end
        {%- elif model == 'shapley' %}
        -- an element's credit is shared equally among the touches it stands for
        coalesce(sc.credit, 0) / et.touches
        {%- endif %} as {{ model }}_credit
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from positioned as t
    {%- if 'markov' in models %}
    left join {{ ref('markov_removal_effects') }} as me
        on me.conversion_stage = t.conversion_stage and me.channel = t.channel
    left join markov_totals as mt on mt.path_id = t.path_id
    left join channel_touches as ct on ct.path_id = t.path_id and ct.channel = t.channel
    {%- endif %}
    {%- if 'shapley' in models %}
    left join {{ ref('int_path_elements') }} as pe on pe.path_id = t.path_id and pe.touchpoint_id = t.touchpoint_id
    left join {{ ref('int_path_keys') }} as pk on pk.path_id = t.path_id and pk.converted
    left join {{ ref('int_shapley_credits') }} as sc
        on sc.conversion_stage = pk.conversion_stage and sc.path_key = pk.path_key and sc.element = pe.element
    left join element_touches as et on et.path_id = t.path_id and et.element = pe.element
    {%- endif %}
),
untouched as (
    -- Conversions with no touch in their window (read from their own rows
    -- only: a distinct over every path's touches costs seconds at 1M paths).
    select distinct path_id, conversion_stage, account_id, converted_at, revenue
    from {{ ref('int_path_touches') }}
    where converted and touchpoint_id is null
)
select
    w.path_id, w.touchpoint_id, w.revenue, w.conversion_stage, w.account_id, w.converted_at, w.channel, w.campaign,
    {%- for model in models %}
    w.{{ model }}_credit{% if not loop.last %},{% endif %}
    {%- endfor %}
from wide as w
union all
select
    u.path_id, cast(null as {{ sql_type('key') }}), u.revenue, u.conversion_stage, u.account_id, u.converted_at,
    '(no touch)', cast(null as {{ sql_type('text') }}),
    {%- for model in models %}
    1.0{% if not loop.last %},{% endif %}
    {%- endfor %}
from untouched as u
