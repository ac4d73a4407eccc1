{{ config(materialized='table', tags=['output', 'attribution', 'markov']) }}
{#- The Markov chain of each conversion type: every path is (start) -> its
    states -> (conversion) or (null). A state is the last
    journey.attribution.markov_order channels; repeats of a state in a row
    collapse. probability = transitions / all transitions out of from_state.
    from_channels lists the channels a state contains, between bars, for the
    removal effects. -#}
{%- set k = journey.attribution.markov_order %}
with elements as (
    select path_id, conversion_stage, converted, element, label, channel
    from {{ ref('int_path_elements') }}
    where is_element_start
),
grams as (
    select
        path_id,
        conversion_stage,
        converted,
        element,
        concat_ws(' > ',
            {%- for i in range(k - 1, 0, -1) %}
            lag(label, {{ i }}) over (partition by path_id order by element),
            {%- endfor %}
            label) as state,
        '|' || concat_ws('|',
            {%- for i in range(k - 1, 0, -1) %}
            lag(channel, {{ i }}) over (partition by path_id order by element),
            {%- endfor %}
            channel) || '|' as state_channels
    from elements
),
collapsed as (
    -- Repeats of a state in a row collapse (A > A is one visit to A).
    select *
    from (
        select *, lag(state) over (partition by path_id order by element) as previous_state
        from grams
    ) as g
    where previous_state is null or previous_state <> state
),
steps as (
    select
        conversion_stage,
        converted,
        state,
        state_channels,
        row_number() over (partition by path_id order by element) as step,
        lead(state) over (partition by path_id order by element) as next_state
    from collapsed
),
ends as (
    -- Paths whose window holds no touch go from (start) straight to their end.
    select p.conversion_stage, p.converted
    from (select distinct path_id, conversion_stage, converted from {{ ref('int_path_touches') }} where touchpoint_id is null) as p
),
moves as (
    select conversion_stage, '(start)' as from_state, '|' as from_channels, state as to_state
    from steps
    where step = 1
    union all
    select conversion_stage, '(start)', '|', case when converted then '(conversion)' else '(null)' end
    from ends
    union all
    select conversion_stage, state, state_channels,
        coalesce(next_state, case when converted then '(conversion)' else '(null)' end)
    from steps
)
select
    conversion_stage,
    from_state,
    from_channels,
    to_state,
    count(*) as transitions,
    cast(count(*) as {{ sql_type('double') }}) / sum(count(*)) over (partition by conversion_stage, from_state) as probability
from moves
group by conversion_stage, from_state, from_channels, to_state
