//! dbt's node selection grammar: `name`, `+name`, `name+`, `2+name+1`, `@name`,
//! `tag:x`, `path:models/x`, `source:x+`, `state:modified`; a space means
//! union, a comma intersection. `--exclude` uses the same grammar.

use std::collections::{BTreeMap, BTreeSet};

use super::{Graph, NodeId};
use crate::error::{Code, Error, did_you_mean};
use crate::project::glob_match;

/// What selection needs to know about a model besides the graph.
#[derive(Debug, Clone)]
pub struct NodeFacts {
    pub tags: Vec<String>,
    /// Paths the model can be selected by (package-relative and displayed).
    pub paths: Vec<String>,
}

pub struct SelectionContext<'a> {
    pub graph: &'a Graph,
    pub models: &'a BTreeMap<String, NodeFacts>,
    /// Models that differ from the `--state` manifest, when one was given.
    pub modified: Option<&'a BTreeSet<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Atom {
    at: bool,
    parents: Option<Option<usize>>,
    children: Option<Option<usize>>,
    method: Method,
    value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Method {
    Name,
    Tag,
    Path,
    Source,
    State,
}

const METHODS: &[&str] = &["tag", "path", "source", "state"];

fn parse_atom(text: &str) -> Result<Atom, Error> {
    let bad = |why: &str| {
        Error::new(Code::Selector, format!("selector `{text}`: {why}"))
            .help("examples: touchpoints, +touchpoints, touchpoints+, 2+touchpoints, @touchpoints, tag:nightly, path:models/staging, source:web+")
    };
    let mut rest = text;
    let at = rest.starts_with('@');
    if at {
        rest = &rest[1..];
    }
    let mut parents = None;
    if let Some(pos) = rest.find('+') {
        let head = &rest[..pos];
        if head.chars().all(|c| c.is_ascii_digit()) && pos < rest.len() - 1 {
            parents = Some(head.parse().ok());
            rest = &rest[pos + 1..];
        }
    }
    let mut children = None;
    if let Some(pos) = rest.rfind('+') {
        let tail = &rest[pos + 1..];
        if tail.chars().all(|c| c.is_ascii_digit()) {
            children = Some(tail.parse().ok());
            rest = &rest[..pos];
        }
    }
    if at && (parents.is_some() || children.is_some()) {
        return Err(bad("`@` cannot be combined with `+`"));
    }
    let (method, value) = match rest.split_once(':') {
        Some((m, v)) => {
            let method = match m {
                "tag" => Method::Tag,
                "path" => Method::Path,
                "source" => Method::Source,
                "state" => Method::State,
                other => {
                    let err = bad(&format!("unknown method `{other}`"));
                    return Err(match did_you_mean(other, METHODS.iter().copied()) {
                        Some(near) => err.help(format!("did you mean `{near}:`?")),
                        None => err.help(format!("methods: {}", METHODS.join(", "))),
                    });
                }
            };
            (method, v.to_owned())
        }
        None => (Method::Name, rest.to_owned()),
    };
    if value.is_empty() {
        return Err(bad("nothing to select"));
    }
    Ok(Atom {
        at,
        parents,
        children,
        method,
        value,
    })
}

/// Evaluate `select` minus `exclude`. An empty `select` means every model,
/// or every node (sources too) when `all_by_default`.
pub fn select(
    ctx: &SelectionContext<'_>,
    select: &[String],
    exclude: &[String],
    all_by_default: bool,
) -> Result<BTreeSet<NodeId>, Error> {
    let mut chosen = if select.is_empty() && all_by_default {
        ctx.graph.nodes().cloned().collect()
    } else if select.is_empty() {
        ctx.models
            .keys()
            .map(|m| NodeId::Model(m.clone()))
            .collect()
    } else {
        eval_spec(ctx, select)?
    };
    if !exclude.is_empty() {
        let gone = eval_spec(ctx, exclude)?;
        chosen.retain(|n| !gone.contains(n));
    }
    Ok(chosen)
}

fn eval_spec(ctx: &SelectionContext<'_>, spec: &[String]) -> Result<BTreeSet<NodeId>, Error> {
    let mut union = BTreeSet::new();
    for token in spec.iter().flat_map(|s| s.split_whitespace()) {
        let mut acc: Option<BTreeSet<NodeId>> = None;
        for part in token.split(',') {
            let set = eval_atom(ctx, &parse_atom(part)?)?;
            acc = Some(match acc {
                None => set,
                Some(prev) => prev.intersection(&set).cloned().collect(),
            });
        }
        union.extend(acc.unwrap_or_default());
    }
    Ok(union)
}

fn eval_atom(ctx: &SelectionContext<'_>, atom: &Atom) -> Result<BTreeSet<NodeId>, Error> {
    let base = base_set(ctx, atom)?;
    let mut out = base.clone();
    for node in &base {
        if let Some(depth) = atom.parents {
            out.extend(ctx.graph.ancestors(node, depth));
        }
        if let Some(depth) = atom.children {
            out.extend(ctx.graph.descendants(node, depth));
        }
        if atom.at {
            let mut down = ctx.graph.descendants(node, None);
            down.insert(node.clone());
            for d in &down {
                out.extend(ctx.graph.ancestors(d, None));
            }
            out.extend(down);
        }
    }
    Ok(out)
}

fn base_set(ctx: &SelectionContext<'_>, atom: &Atom) -> Result<BTreeSet<NodeId>, Error> {
    let v = atom.value.as_str();
    let models = || ctx.models.iter();
    let set: BTreeSet<NodeId> = match atom.method {
        Method::Name => models()
            .filter(|(name, _)| glob_match(v, name))
            .map(|(name, _)| NodeId::Model(name.clone()))
            .collect(),
        Method::Tag => models()
            .filter(|(_, f)| f.tags.iter().any(|t| glob_match(v, t)))
            .map(|(name, _)| NodeId::Model(name.clone()))
            .collect(),
        Method::Path => {
            let prefix = v.trim_end_matches('/');
            models()
                .filter(|(_, f)| {
                    f.paths.iter().any(|p| {
                        p == prefix
                            || p.starts_with(&format!("{prefix}/"))
                            || p.strip_suffix(".sql") == Some(prefix)
                            || glob_match(v, p)
                    })
                })
                .map(|(name, _)| NodeId::Model(name.clone()))
                .collect()
        }
        Method::Source => ctx
            .graph
            .nodes()
            .filter(|n| match n {
                NodeId::Source(g, t) => glob_match(v, g) || glob_match(v, &format!("{g}.{t}")),
                NodeId::Model(_) => false,
            })
            .cloned()
            .collect(),
        Method::State => {
            if v != "modified" && v != "new" {
                return Err(Error::new(
                    Code::Selector,
                    format!("state:{v} is not a state selector"),
                )
                .help("use state:modified (new and changed models)"));
            }
            let Some(modified) = ctx.modified else {
                return Err(Error::new(Code::Usage, "state:modified needs --state DIR")
                    .help("pass --state pointing at the target/ directory of a previous run (it holds manifest.json)"));
            };
            modified.iter().map(|m| NodeId::Model(m.clone())).collect()
        }
    };
    if set.is_empty() && atom.method != Method::State {
        let mut err = Error::new(
            Code::Selector,
            format!("selector `{}` matches no node", describe(atom)),
        );
        let candidates: Vec<String> = match atom.method {
            Method::Name => ctx.models.keys().cloned().collect(),
            Method::Tag => ctx.models.values().flat_map(|f| f.tags.clone()).collect(),
            Method::Path => ctx.models.values().flat_map(|f| f.paths.clone()).collect(),
            Method::Source => ctx
                .graph
                .nodes()
                .filter_map(|n| match n {
                    NodeId::Source(g, _) => Some(g.clone()),
                    NodeId::Model(_) => None,
                })
                .collect(),
            Method::State => Vec::new(),
        };
        err = match did_you_mean(v, candidates.iter().map(String::as_str)) {
            Some(near) => err.help(format!("did you mean `{near}`?")),
            None => err.help("`jmap ls` lists the models, their tags and paths"),
        };
        return Err(err);
    }
    Ok(set)
}

fn describe(atom: &Atom) -> String {
    match atom.method {
        Method::Name => atom.value.clone(),
        Method::Tag => format!("tag:{}", atom.value),
        Method::Path => format!("path:{}", atom.value),
        Method::Source => format!("source:{}", atom.value),
        Method::State => format!("state:{}", atom.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(n: &str) -> NodeId {
        NodeId::Model(n.into())
    }

    /// src.web -> stg -> tp -> (journeys, sessions); other is independent.
    fn fixture() -> (Graph, BTreeMap<String, NodeFacts>) {
        let web = NodeId::Source("web".into(), "events".into());
        let g = Graph::build(
            [
                web.clone(),
                m("stg"),
                m("tp"),
                m("journeys"),
                m("sessions"),
                m("other"),
            ],
            [
                (web, m("stg")),
                (m("stg"), m("tp")),
                (m("tp"), m("journeys")),
                (m("tp"), m("sessions")),
            ],
        )
        .unwrap();
        let facts = |tags: &[&str], path: &str| NodeFacts {
            tags: tags.iter().map(|t| t.to_string()).collect(),
            paths: vec![path.to_owned()],
        };
        let models = BTreeMap::from([
            (
                "stg".to_owned(),
                facts(&["staging"], "models/staging/stg.sql"),
            ),
            ("tp".to_owned(), facts(&["core"], "models/tp.sql")),
            (
                "journeys".to_owned(),
                facts(&["core"], "models/marts/journeys.sql"),
            ),
            (
                "sessions".to_owned(),
                facts(&[], "models/marts/sessions.sql"),
            ),
            ("other".to_owned(), facts(&[], "models/other.sql")),
        ]);
        (g, models)
    }

    fn sel(spec: &str, exclude: &str) -> Vec<String> {
        let (g, models) = fixture();
        let ctx = SelectionContext {
            graph: &g,
            models: &models,
            modified: None,
        };
        let s: Vec<String> = if spec.is_empty() {
            vec![]
        } else {
            vec![spec.into()]
        };
        let e: Vec<String> = if exclude.is_empty() {
            vec![]
        } else {
            vec![exclude.into()]
        };
        let mut labels: Vec<String> = select(&ctx, &s, &e, false)
            .unwrap()
            .into_iter()
            .map(|n| n.label())
            .collect();
        labels.sort();
        labels
    }

    #[test]
    fn graph_operators() {
        assert_eq!(sel("tp", ""), ["tp"]);
        assert_eq!(sel("+tp", ""), ["source:web.events", "stg", "tp"]);
        assert_eq!(sel("1+tp", ""), ["stg", "tp"]);
        assert_eq!(sel("tp+", ""), ["journeys", "sessions", "tp"]);
        assert_eq!(sel("stg+1", ""), ["stg", "tp"]);
        assert_eq!(
            sel("@stg", ""),
            ["journeys", "sessions", "source:web.events", "stg", "tp"]
        );
    }

    #[test]
    fn methods_union_and_intersection() {
        assert_eq!(sel("tag:core", ""), ["journeys", "tp"]);
        assert_eq!(sel("path:models/marts", ""), ["journeys", "sessions"]);
        assert_eq!(
            sel("source:web+", ""),
            ["journeys", "sessions", "source:web.events", "stg", "tp"]
        );
        assert_eq!(sel("stg other", ""), ["other", "stg"]);
        assert_eq!(sel("tp+,tag:core", ""), ["journeys", "tp"]);
        assert_eq!(sel("", "tp+"), ["other", "stg"]);
        assert_eq!(sel("t*", ""), ["tp"]);
    }

    #[test]
    fn unknown_name_suggests() {
        let (g, models) = fixture();
        let ctx = SelectionContext {
            graph: &g,
            models: &models,
            modified: None,
        };
        let err = select(&ctx, &["sesions".into()], &[], false).unwrap_err();
        assert!(
            err.to_string().contains("did you mean `sessions`?"),
            "{err}"
        );
        let err = select(&ctx, &["tags:core".into()], &[], false).unwrap_err();
        assert!(err.to_string().contains("did you mean `tag:`?"), "{err}");
    }
}
