{#- Macros of the built-in journey package. Engine differences are not handled
    here but in jmap's dialect functions (cast_as, sql_type, datediff_days,
    regexp_like, regexp_extract...), so every macro renders for both engines. -#}

{#- Union every declared source of `kind`, casting each standard column to its
    logical type (null where a value does not parse). With no source of that
    kind, a typed empty relation, so downstream models still build.
    `columns` is a list of [name, logical type]. -#}
{% macro union_sources(kind, columns) -%}
{%- set srcs = sources_of_kind(kind) -%}
{%- for s in srcs %}
{%- if not loop.first %}
union all
{%- endif %}
select
    '{{ s.name }}' as source,
{%- for c in columns %}
    {{ cast_as(s.col(c[0]), c[1]) }} as {{ c[0] }}{{ "," if not loop.last }}
{%- endfor %}
from {{ s.relation }}
{%- if s.filter %}
where {{ s.filter }}
{%- endif %}
{%- endfor %}
{%- if not srcs %}
select
    cast(null as {{ sql_type('text') }}) as source,
{%- for c in columns %}
    cast(null as {{ sql_type(c[1]) }}) as {{ c[0] }}{{ "," if not loop.last }}
{%- endfor %}
where 1 = 0
{%- endif %}
{%- endmacro %}

{#- A SQL list literal: ('a', 'b'). Only for lists that cannot be empty; use
    in_values() for the others. -#}
{% macro in_list(values) -%}
({% for v in values %}'{{ v | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}

{#- `expr in (values)`, and plain false for an empty list (SQL has no empty
    list, and `x not in (null)` would be null rather than true). -#}
{% macro in_values(expr, values) -%}
{%- if values -%}
({{ expr }} in {{ in_list(values) }})
{%- else -%}
false
{%- endif -%}
{%- endmacro %}

{#- The start of the window an incremental model re-processes: its latest
    `column` less journey.incremental_window_hours (all rows when it is empty).
    The column is qualified: were it missing from an older build of the
    table, an unqualified name would bind to the outer query's column. -#}
{% macro window_start(column='occurred_at') -%}
(select coalesce(max(this_run.{{ column }}), cast('1900-01-01' as timestamp)) - {{ journey.incremental_window_hours }} * interval '1 hour' from {{ this }} as this_run)
{%- endmacro %}

{#- An identifier cleaned for matching: trimmed, and null when it is empty, a
    placeholder (journey.all_blocked_values) or only zeros and dashes. (ltrim
    with a character set stops at the first other character; two replace()
    calls copied every id twice.) -#}
{% macro clean_id(expr) -%}
case when lower(trim({{ expr }})) in {{ in_list(journey.all_blocked_values) }} or ltrim(trim({{ expr }}), '0-') = '' then null else trim({{ expr }}) end
{%- endmacro %}

{#- An email cleaned for matching: trimmed, lower-cased, null unless it looks
    like an address and is not a placeholder. -#}
{% macro clean_email(expr) -%}
case when {{ regexp_like('lower(trim(' ~ expr ~ '))', '^[^@ ]+@[^@ ]+\\.[a-z]{2,}$') }} and lower(trim({{ expr }})) not in {{ in_list(journey.all_blocked_values) }} then lower(trim({{ expr }})) end
{%- endmacro %}

{#- The host of a URL, without `www.`. -#}
{% macro url_host(expr) -%}
{{ regexp_extract('lower(' ~ expr ~ ')', '^[a-z][a-z0-9+.-]*://(?:www\\.)?([^/:?#]+)') }}
{%- endmacro %}

{#- The path of a URL (no query string), e.g. /pricing. -#}
{% macro url_path(expr) -%}
coalesce({{ regexp_extract(expr, '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]+(/[^?#]*)') }}, '/')
{%- endmacro %}

{#- The site name of a host or source: the label before the public suffix
    (news.google.co.uk -> google, l.facebook.com -> facebook, t.co -> t). -#}
{% macro site_name(expr) -%}
coalesce(
    {{ regexp_extract(expr, '([a-z0-9-]+)\\.(?:co|com|org|net|ac|gov|edu|ne|or)\\.[a-z]{2}$') }},
    {{ regexp_extract(expr, '([a-z0-9-]+)\\.[a-z0-9-]+$') }},
    {{ expr }})
{%- endmacro %}

{#- The channel of a touch: the first of journey.channel_rules whose every
    condition holds, else 'Unassigned'. Arguments are SQL expressions of
    lower-cased values; `site` is the site name of the source. -#}
{% macro channel_case(touch_type, source, site, medium, campaign, click_id) -%}
case
{%- for r in journey.channel_rules %}
    {%- set conds = [] %}
    {%- if r.touch_type %}{% set conds = conds + [touch_type ~ ' in ' ~ in_list(r.touch_type)] %}{% endif %}
    {%- if r.source %}{% set conds = conds + [source ~ ' in ' ~ in_list(r.source)] %}{% endif %}
    {%- if r.source_in %}{% set conds = conds + ['(' ~ site ~ ' in ' ~ in_list(journey.hosts[r.source_in]) ~ ' or ' ~ source ~ ' in ' ~ in_list(journey.hosts[r.source_in]) ~ ')'] %}{% endif %}
    {%- if r.source_matches %}{% set conds = conds + [regexp_like(source, r.source_matches)] %}{% endif %}
    {%- if r.medium %}{% set conds = conds + [medium ~ ' in ' ~ in_list(r.medium)] %}{% endif %}
    {%- if r.medium_matches %}{% set conds = conds + [regexp_like(medium, r.medium_matches)] %}{% endif %}
    {%- if r.campaign_matches %}{% set conds = conds + [regexp_like(campaign, r.campaign_matches)] %}{% endif %}
    {%- if r.has_click_id is true %}{% set conds = conds + [click_id ~ ' is not null'] %}{% endif %}
    {%- if r.has_click_id is false %}{% set conds = conds + [click_id ~ ' is null'] %}{% endif %}
    {%- if conds %}
    when {{ conds | join(' and ') }} then '{{ r.channel | replace("'", "''") }}'
    {%- endif %}
{%- endfor %}
    else 'Unassigned'
end
{%- endmacro %}
