{{ config(materialized='table', schema='staging', tags=['intermediate', 'attribution', 'shapley']) }}
{#- Shapley values as fractribution simplifies them. For each conversion type,
    P(path) = conversions / (conversions + non-conversions) of paths with
    exactly that (transformed) channel sequence, 0 for a path never seen. Each
    element i of a converting path earns max(P(path) - P(path without i), 0);
    the earnings are normalised to sum to 1 (a one-element path earns 1; when
    all earn 0, the last element gets 1). Credits are per distinct path. -#}
{%- set exposure = journey.attribution.path_transform == 'exposure' %}
{#- A conversion stage and a path key as one text, unambiguous whatever
    either holds (the stage's length leads). -#}
{%- macro stage_key(stage, key) -%}
cast(length({{ stage }}) as {{ sql_type('text') }}) || ':' || {{ stage }} || {{ key }}
{%- endmacro %}
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
        cast(sum(case when converted then 1 else 0 end) as {{ sql_type('double') }}) / count(*) as p,
        {{ stage_key('conversion_stage', 'path_key') }} as stage_path
    from keyed
    group by conversion_stage, path_key
),
representatives as (
    -- One path stands for every converting path with the same key.
    select conversion_stage, path_key, {{ min_key('path_id') }} as path_id
    from keyed
    where converted
    group by conversion_stage, path_key
),
parts as (
    -- Where each element's label sits in the path's key ("A > B > C"), so
    -- that the key without an element is cut out of it: a self-join of the
    -- elements with a string_agg per element was quadratic in the path's
    -- length (1.3 of this model's 1.4 s after 1% more events at 10M).
    -- Labels are never null (a channel is always named), so the key is
    -- exactly the labels joined by ' > '.
    select
        r.conversion_stage,
        r.path_key,
        r.path_id,
        e.element,
        e.label,
        lag(e.label) over w as previous_label,
        lead(e.label) over w as next_label,
        lead(length(e.label)) over w as next_length,
        length(e.label) as label_length,
        -- (an integer: Postgres's substr and left take no bigint)
        cast(1 + coalesce(sum(length(e.label) + 3) over (w rows between unbounded preceding and 1 preceding), 0) as integer) as label_start,
        row_number() over w as rank_in_path,
        count(*) over (partition by r.path_id) as elements
    from representatives as r
    join elements as e on e.path_id = r.path_id
    -- by the representative path, one per key: the same partitions as
    -- (conversion_stage, path_key), found by a 16-byte key rather than by
    -- hashing and comparing whole path keys
    window w as (partition by r.path_id order by e.element)
),
cuts as (
    -- The run of elements left out: element i{{ ", and the next one when it repeats the one before i (exposure merges the two)" if exposure }}.
    select
        *,
        {%- if exposure %}
        case when previous_label = next_label then rank_in_path + 1 else rank_in_path end as last_cut,
        case when previous_label = next_label then label_start + label_length + 3 + next_length - 1 else label_start + label_length - 1 end as cut_end
        {%- else %}
        rank_in_path as last_cut,
        label_start + label_length - 1 as cut_end
        {%- endif %}
    from parts
),
without as (
    -- The path with element i left out{{ " (and the repeat that would then touch, merged)" if exposure }}:
    -- the key before the cut (without its trailing ' > ') and after it.
    select
        conversion_stage,
        path_key,
        path_id,
        element,
        case
            when rank_in_path = 1 and last_cut = elements then ''
            when rank_in_path = 1 then substr(path_key, cut_end + 4)
            when last_cut = elements then left(path_key, label_start - 4)
            else left(path_key, label_start - 4) || substr(path_key, cut_end + 1)
        end as reduced_key
    from cuts
),
marginals as (
    select
        w.conversion_stage,
        w.path_key,
        w.path_id,
        w.element,
        count(*) over (partition by w.path_id) as elements,
        max(w.element) over (partition by w.path_id) as last_element,
        greatest(pf.p - coalesce(pr.p, 0), 0) as marginal
    from without as w
    join probabilities as pf on pf.conversion_stage = w.conversion_stage and pf.path_key = w.path_key
    -- one key, not (stage, key): Postgres underestimated these rows, merged
    -- on the stage alone and compared the keys as a filter, 9.3M times at 1M
    -- events (10.2 s; 0.13 s joined on both). With one key any join it
    -- picks matches on the whole key.
    left join probabilities as pr on pr.stage_path = {{ stage_key('w.conversion_stage', 'w.reduced_key') }}
)
select
    conversion_stage,
    path_key,
    element,
    case
        when elements = 1 then 1.0
        when sum(marginal) over (partition by path_id) > 0
            then marginal / sum(marginal) over (partition by path_id)
        when element = last_element then 1.0
        else 0.0
    end as credit
from marginals
