{#- Macros of the built-in journey package. Engine differences are not handled
    here but in jmap's dialect functions (cast_as, sql_type, datediff_days,
    regexp_like, regexp_extract...), so every macro renders for both engines. -#}

{#- Union every declared source of `kind`, casting each standard column to its
    logical type (null where a value does not parse). With no source of that
    kind, a typed empty relation, so downstream models still build.
    `columns` is a list of [name, logical type]. Each column named in
    `text_of` also comes as `<name>_text`: the source's own text where it
    stores text, else null, for since() to filter by before the cast. -#}
{% macro union_sources(kind, columns, text_of=[]) -%}
{%- set srcs = sources_of_kind(kind) -%}
{%- for s in srcs %}
{%- if not loop.first %}
union all
{%- endif %}
select
    '{{ s.name }}' as source,
{%- for c in columns %}
    {{ cast_as(s.col(c[0]), c[1]) }} as {{ c[0] }}{{ "," if not loop.last or text_of }}
{%- endfor %}
{%- for name in text_of %}
    {{ source_text(s.col(name)) }} as {{ name }}_text{{ "," if not loop.last }}
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
    cast(null as {{ sql_type(c[1]) }}) as {{ c[0] }}{{ "," if not loop.last or text_of }}
{%- endfor %}
{%- for name in text_of %}
    cast(null as {{ sql_type('text') }}) as {{ name }}_text{{ "," if not loop.last }}
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

{#- `column >= cutoff`, for a column that union_sources also gives as
    `<column>_text`. Ahead of the cast, a comparison of text drops the rows
    whose text is an ISO date (`YYYY-MM-DD...`) more than two days before
    the cutoff: such text cannot parse to a time at or after it (an offset
    moves a time by 14 hours at most, and the year, month and day lead).
    Text in any other spelling is left for the cast to judge. (The pattern
    is tested last: most text fails the comparison and the pattern costs
    more.) Without it, every incremental run casts every timestamp of its
    sources before the window can rule a row out: on Postgres, whose
    cast is a function that catches errors, 0.96 s against 0.26 s per
    million rows; on DuckDB, 0.22 s against 0.16 s for 6.3M web events. -#}
{% macro since(column, cutoff) -%}
{{ column }} >= {{ cutoff }}
      and ({{ column }}_text is null
           or {{ column }}_text >= {{ prefetch("select " ~ iso_day(cutoff ~ " - interval '2 days'"), 'text') }}
           or {{ column }}_text not like '____-__-__%')
{%- endmacro %}

{#- The rows of `rel` whose end a (columns `a`) or end b (columns `b`) is
    a row of `keys` (columns `key`), each once. On DuckDB two `exists`
    joined by `or`, which it decorrelates into two mark joins over one scan.
    Postgres runs such an `exists` once per row (identity_map's edges in
    scope: 111 s after 1% more events at 1M events), so there it is a
    union of two joins; `union` drops only rows equal in every column.
    The union costs DuckDB 0.5 s of identity_map's 0.9 at 10M events. -#}
{% macro with_either_end_in(rel, keys, a, b, key) -%}
{%- set on_a %}{% for c in key %}{{ "s." ~ c ~ " = e." ~ a[loop.index0] }}{{ " and " if not loop.last }}{% endfor %}{% endset %}
{%- set on_b %}{% for c in key %}{{ "s." ~ c ~ " = e." ~ b[loop.index0] }}{{ " and " if not loop.last }}{% endfor %}{% endset %}
{%- if dialect() == 'postgres' -%}
select e.* from {{ rel }} as e join {{ keys }} as s on {{ on_a }}
    union
    select e.* from {{ rel }} as e join {{ keys }} as s on {{ on_b }}
{%- else -%}
select e.*
    from {{ rel }} as e
    where exists (select 1 from {{ keys }} as s where {{ on_a }})
       or exists (select 1 from {{ keys }} as s where {{ on_b }})
{%- endif %}
{%- endmacro %}

{#- The start of the window an incremental model re-processes: its latest
    `column` less journey.incremental_window_hours (all rows when it is empty).
    The column is qualified: were it missing from an older build of the
    table, an unqualified name would bind to the outer query's column. -#}
{% macro window_start(column='occurred_at') -%}
{{ prefetch("select coalesce(max(this_run." ~ column ~ "), cast('1900-01-01' as timestamp)) - " ~ journey.incremental_window_hours ~ " * interval '1 hour' from " ~ this ~ " as this_run", 'timestamp') }}
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

{#- Every touch with the person it belongs to, before accounts are attached:
    the event tables (relations given by the caller, who refs them) joined
    with the identity map. A web touch's person is its device's, else its
    user id's; an ad click's its device's, else its email's; a CRM
    activity's its contact's, else its email's.
    With `scope_ids` (a query of identifier_type, identifier) only the touches
    carrying one of those identifiers, and with `scope_keys` (a query of
    touchpoint ids) those touches too: a filter on the event tables
    themselves, which a filter on the person computed below could not be. -#}
{% macro person_touches(identity_map, web_events, ad_clicks, email_touches, crm_touches, scope_ids=none, scope_keys=none) -%}
{%- set all_web_events = web_events %}
with
{%- if scope_ids %}
only_ids as (
    {{ scope_ids }}
),
{%- if scope_keys %}
only_keys as (
    {{ scope_keys }}
),
{%- endif %}
{#- The scoped event rows first, and only the identity map's rows of their
    identifiers: the joins below then build on a few rows, not on the whole
    map once per join (0.56 s against 1.48 s for the web events at 10M). #}
{%- set scoped = [
    ('web_rows', web_events, ['anonymous_id', 'user_id'], 'event_key'),
    ('ad_rows', ad_clicks, ['anonymous_id', 'email'], 'click_key'),
    ('email_rows', email_touches, ['email'], 'email_touch_key'),
    ('crm_rows', crm_touches, ['contact_id', 'email'], 'activity_key'),
] %}
{#- (each identifier column is named as its identifier type) #}
{%- for cte, relation, id_columns, key in scoped %}
{{ cte }} as materialized (
    select * from {{ relation }} as r
    where {% for col in id_columns %}{% if not loop.first %}
       or {% endif %}r.{{ col }} in (select identifier from only_ids where identifier_type = '{{ col }}')
    {%- endfor %}
    {%- if scope_keys %}
       or r.{{ key }} in (select * from only_keys)
    {%- endif %}
),
{%- endfor %}
ids as materialized (
    select identifier_type, identifier, person_id from {{ identity_map }}
    where identifier in (
        {%- for cte, relation, id_columns, key in scoped %}
        {%- set first_cte = loop.first %}
        {%- for col in id_columns %}
        {% if not (first_cte and loop.first) %}union all {% endif %}select {{ col }} from {{ cte }}
        {%- endfor %}
        {%- endfor %}
    )
),
{%- set web_events, ad_clicks, email_touches, crm_touches = 'web_rows', 'ad_rows', 'email_rows', 'crm_rows' %}
{%- else %}
ids as (
    select identifier_type, identifier, person_id from {{ identity_map }}
),
{%- endif %}
ad_twins as (
    -- An ad click whose landing page view carries the same gclid is one touch:
    -- the web event keeps it (it has the page and the session).
    select distinct gclid from {{ all_web_events }} where gclid is not null
)
select
    w.event_key as touchpoint_id,
    w.occurred_at,
    w.source,
    'web' as touch_type,
    case when w.event_type = 'page' then 'page_view' else w.event_type end as event_type,
    w.session_channel as channel,
    w.session_campaign as campaign,
    coalesce(p_anon.person_id, p_user.person_id) as person_id,
    cast(null as {{ sql_type('text') }}) as crm_account_id,
    w.session_id,
    w.is_session_start as is_marketing_touch,
    w.anonymous_id,
    w.user_id,
    w.email,
    w.url,
    w.referrer_host,
    w.utm_source,
    w.utm_medium,
    w.utm_campaign,
    w.written_at
from {{ web_events }} as w
left join ids as p_anon on p_anon.identifier_type = 'anonymous_id' and p_anon.identifier = w.anonymous_id
left join ids as p_user on p_anon.person_id is null and p_user.identifier_type = 'user_id' and p_user.identifier = w.user_id

union all
select
    a.click_key,
    a.occurred_at,
    a.source,
    'ad_click',
    'ad_click',
    {{ channel_case("'ad_click'", 'a.platform', site_name('a.platform'), "'cpc'", 'a.campaign', 'a.gclid') }},
    a.campaign,
    coalesce(p_anon.person_id, p_mail.person_id),
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('key') }}),
    true,
    a.anonymous_id,
    cast(null as {{ sql_type('text') }}),
    a.email,
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    a.platform,
    'cpc',
    a.campaign,
    a.written_at
from {{ ad_clicks }} as a
left join ids as p_anon on p_anon.identifier_type = 'anonymous_id' and p_anon.identifier = a.anonymous_id
left join ids as p_mail on p_anon.person_id is null and p_mail.identifier_type = 'email' and p_mail.identifier = a.email
where (a.gclid is null or a.gclid not in (select gclid from ad_twins))

union all
select
    e.email_touch_key,
    e.occurred_at,
    e.source,
    e.touch_type,
    e.touch_type,
    {{ channel_case('e.touch_type', "'email'", "'email'", "'email'", 'e.campaign', 'cast(null as ' ~ sql_type('text') ~ ')') }},
    e.campaign,
    p.person_id,
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('key') }}),
    true,
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    e.email,
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    'email',
    'email',
    e.campaign,
    e.written_at
from {{ email_touches }} as e
left join ids as p on p.identifier_type = 'email' and p.identifier = e.email

union all
select
    c.activity_key,
    c.occurred_at,
    c.source,
    c.touch_type,
    c.touch_type,
    {{ channel_case('c.touch_type', "coalesce(c.crm_channel, 'crm')", "coalesce(c.crm_channel, 'crm')", "coalesce(c.crm_channel, 'crm')", 'c.campaign', 'cast(null as ' ~ sql_type('text') ~ ')') }},
    c.campaign,
    coalesce(p_contact.person_id, p_mail.person_id),
    c.account_id,
    cast(null as {{ sql_type('key') }}),
    true,
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    c.email,
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    cast(null as {{ sql_type('text') }}),
    c.campaign,
    c.written_at
from {{ crm_touches }} as c
left join ids as p_contact on p_contact.identifier_type = 'contact_id' and p_contact.identifier = c.contact_id
left join ids as p_mail on p_contact.person_id is null and p_mail.identifier_type = 'email' and p_mail.identifier = c.email

{%- endmacro %}

{#- When a row was written: the warehouse's clock (one clock for every run,
    wherever jmap runs). A model that rebuilds only what changed reads the
    rows of its inputs stamped after its own newest stamp (stamp_of(this)),
    so one that failed or was not selected catches up on its next run. -#}
{% macro run_stamp() -%}
current_timestamp
{%- endmacro %}

{#- Select every row of `rows` with its `built_at`: in an incremental run
    (`stored`, the model's own table, given) the stored row's stamp while
    every one of `columns` is the same as in the row written now, else the
    run's stamp, so that readers find by stamp only the rows that changed. -#}
{% macro with_kept_stamps(rows, columns, stored=none, key='touchpoint_id') -%}
select
    c.*,
    {%- if stored is not none %}
    case
        when o.{{ key }} is not null
        {%- for col in columns %}
            and o.{{ col }} is not distinct from c.{{ col }}
        {%- endfor %}
            then o.built_at
        else {{ run_stamp() }}
    end as built_at
    {%- else %}
    {{ run_stamp() }} as built_at
    {%- endif %}
from {{ rows }} as c
{%- if stored is not none and dialect() == 'postgres' %}
-- Only the stored rows of these keys: Postgres expected as many new rows as
-- stored ones and merge-joined them after sorting every stored row on disk
-- (int_touches: 3.9 s with nothing new at 1M events).
left join (select * from {{ stored }} as s where s.{{ key }} in (select r.{{ key }} from {{ rows }} as r)) as o on o.{{ key }} = c.{{ key }}
{%- elif stored is not none %}
left join {{ stored }} as o on o.{{ key }} = c.{{ key }}
{%- endif %}
{%- endmacro %}

{#- The newest stamp in `relation`'s `column`, or a time before every stamp
    when it has no rows. Both are prefetched: an incremental build computes
    them before its body, which then filters by a literal (scans skip what
    it rules out). -#}
{% macro stamp_of(relation, column='built_at') -%}
{{ prefetch("select coalesce(max(stamped." ~ column ~ "), cast('1900-01-01 00:00:00+00' as timestamptz)) from " ~ relation ~ " as stamped", 'timestamptz') }}
{%- endmacro %}

{#- The accounts whose paths (`relation`, its rows stamped `built_at`) an
    incremental run rebuilds: those whose journey (account_journeys: new
    touches appended, or the account rebuilt for a touch changed or gone) or
    stages (stage_events) were written since its own newest stamp, and those
    it holds that have neither any more. -#}
{% macro accounts_changed_since(relation) -%}
select j.account_id from {{ ref('account_journeys') }} as j where j.built_at > {{ stamp_of(relation) }}
union
select s.account_id from {{ ref('stage_events') }} as s where s.built_at > {{ stamp_of(relation) }}
union
select r.account_id from (select distinct account_id from {{ relation }}) as r
where r.account_id not in (select distinct j.account_id from {{ ref('account_journeys') }} as j)
  and r.account_id not in (select distinct s.account_id from {{ ref('stage_events') }} as s)
{%- endmacro %}

{#- The accounts whose rows in `relation` (a table of paths, stamped
    `built_at`, rebuilt by account from `parent`, a table of paths stamped
    alike) an incremental run rewrites: those whose rows `parent` wrote since
    `relation`'s newest stamp, and those `relation` holds that `parent` no
    longer has. -#}
{% macro path_accounts_changed_since(parent, relation) -%}
select p.account_id from {{ parent }} as p where p.built_at > {{ stamp_of(relation) }}
union
select r.account_id from (select distinct account_id from {{ relation }}) as r
where r.account_id not in (select distinct p.account_id from {{ parent }} as p)
{%- endmacro %}

{#- The config of a table of paths kept by account (conversion_paths and the
    attribution tables per path): incremental, delete+insert by account with
    `changed_accounts` (path_accounts_changed_since) as its scope, or a table
    rebuilt whole when paths are person-based (their parent is too). A
    custom schema is configured before `changed_accounts` is rendered, which
    names `this`. -#}
{% macro paths_by_account(changed_accounts, tags) -%}
{%- if journey.attribution.person_based %}
{{- config(materialized='table', tags=tags) }}
{%- else %}
{{- config(materialized='incremental', unique_key='account_id', incremental_strategy='delete+insert', tags=tags, scope=changed_accounts) }}
{%- endif %}
{%- endmacro %}

{#- Conversions and revenue credited per model (of `models`), conversion
    type and `by` (an expression over int_attribution_credits, named `as_`):
    what grouping attribution_touchpoints gives, summed from the credits'
    one column per model and unpivoted after, not unpivoted into a row per
    touch and model first (grouping the view took 0.15-0.25 s of the
    0.23-0.32 s of each attribution_by_* table at 10M events). A model's
    group exists where one of its credits is above 0, as in the view. -#}
{% macro credit_totals(models, by, as_) -%}
select m.model, s.conversion_stage, s.{{ as_ }}, m.conversions, m.revenue
from (
    select
        conversion_stage,
        {{ by }} as {{ as_ }}
        {%- for model in models %},
        sum({{ model }}_credit) filter (where {{ model }}_credit > 0) as {{ model }}_conversions,
        sum({{ model }}_credit * revenue) filter (where {{ model }}_credit > 0) as {{ model }}_revenue
        {%- endfor %}
    from {{ ref('int_attribution_credits') }}
    group by conversion_stage, {{ by }}
) as s
cross join lateral (
    values
    {%- for model in models %}
    ('{{ model }}', s.{{ model }}_conversions, s.{{ model }}_revenue){% if not loop.last %},{% endif %}
    {%- endfor %}
) as m(model, conversions, revenue)
where m.conversions is not null
{%- endmacro %}
