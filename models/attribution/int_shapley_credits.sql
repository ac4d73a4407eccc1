{{ config(materialized='table', schema='staging', tags=['intermediate', 'attribution', 'shapley']) }}
{#- Shapley values as fractribution simplifies them. For each conversion type,
    P(path) = conversions / (conversions + non-conversions) of paths with
    exactly that (transformed) channel sequence, 0 for a path never seen. Each
    element i of a converting path earns max(P(path) - P(path without i), 0);
    the earnings are normalised to sum to 1 (a one-element path earns 1; when
    all earn 0, the last element gets 1). Credits are per distinct path. -#}
{%- set exposure = journey.attribution.path_transform == 'exposure' %}
with elements as (
    select path_id, conversion_stage, converted, element, label
    from {{ ref('int_path_elements') }}
    where is_element_start
),
keyed as (
    select path_id, conversion_stage, converted, path_key
    from {{ ref('int_path_keys') }}
),
probabilities as (
    select
        conversion_stage,
        path_key,
        cast(sum(case when converted then 1 else 0 end) as {{ sql_type('double') }}) / count(*) as p
    from keyed
    group by conversion_stage, path_key
),
representatives as (
    -- One path stands for every converting path with the same key.
    select conversion_stage, path_key, min(path_id) as path_id
    from keyed
    where converted
    group by conversion_stage, path_key
),
parts as (
    select
        r.conversion_stage,
        r.path_key,
        e.element,
        e.label,
        lag(e.label) over (partition by r.conversion_stage, r.path_key order by e.element) as previous_label
    from representatives as r
    join elements as e on e.path_id = r.path_id
),
without as (
    -- The path with element i left out{{ " (and the repeat that would then touch, merged)" if exposure }}.
    select
        i.conversion_stage,
        i.path_key,
        i.element,
        coalesce(string_agg(j.label, ' > ' order by j.element), '') as reduced_key
    from parts as i
    left join parts as j
        on j.conversion_stage = i.conversion_stage
       and j.path_key = i.path_key
       and j.element <> i.element
       {%- if exposure %}
       and not (j.element = i.element + 1 and j.label = i.previous_label)
       {%- endif %}
    group by i.conversion_stage, i.path_key, i.element
),
marginals as (
    select
        w.conversion_stage,
        w.path_key,
        w.element,
        count(*) over (partition by w.conversion_stage, w.path_key) as elements,
        max(w.element) over (partition by w.conversion_stage, w.path_key) as last_element,
        greatest(pf.p - coalesce(pr.p, 0), 0) as marginal
    from without as w
    join probabilities as pf on pf.conversion_stage = w.conversion_stage and pf.path_key = w.path_key
    left join probabilities as pr on pr.conversion_stage = w.conversion_stage and pr.path_key = w.reduced_key
)
select
    conversion_stage,
    path_key,
    element,
    case
        when elements = 1 then 1.0
        when sum(marginal) over (partition by conversion_stage, path_key) > 0
            then marginal / sum(marginal) over (partition by conversion_stage, path_key)
        when element = last_element then 1.0
        else 0.0
    end as credit
from marginals
