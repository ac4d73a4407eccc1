//! The journey map's numbers, read from the output tables of the last run:
//! headline figures, the stage funnel, the channel paths to conversion, the
//! channel × stage heat map and attribution across models. Everything here is
//! an aggregate, bounded whatever the number of accounts; the per-account
//! parts (search, timelines, stalled accounts) are in `accounts`.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::data::{Section, Warehouse, float, int, median, round, text};
use crate::config::journey::ResolvedJourney;
use crate::dialect::literal;
use crate::error::Error;

#[derive(Debug, Serialize)]
pub struct Kpis {
    pub accounts: i64,
    pub known_people: i64,
    pub touchpoints: i64,
    pub marketing_touches: i64,
    /// The last stage of journey.stages (closed_won by default).
    pub won_stage: String,
    pub won_accounts: i64,
    pub won_value: f64,
    /// Medians over the won accounts, up to the moment they were won.
    pub won_journey: Option<WonJourney>,
}

#[derive(Debug, Serialize)]
pub struct WonJourney {
    pub accounts: usize,
    pub touches: f64,
    pub channels: f64,
    pub people: f64,
    pub days: f64,
}

#[derive(Debug, Serialize)]
pub struct FunnelStep {
    pub stage: String,
    pub next_stage: String,
    pub entered: i64,
    pub converted: i64,
    pub conversion_rate: Option<f64>,
    pub median_days: Option<f64>,
    pub p75_days: Option<f64>,
}

/// Converting paths of one conversion type as a Sankey: the first three
/// steps and the last one (repeats in a row collapsed), then the conversion.
#[derive(Debug, Serialize)]
pub struct PathFlows {
    pub stage: String,
    pub conversions: usize,
    pub revenue: f64,
    pub median_touches: Option<f64>,
    pub median_steps: Option<f64>,
    pub columns: Vec<&'static str>,
    /// (column, label)
    pub nodes: Vec<(usize, String)>,
    /// (from node, to node, conversions, revenue)
    pub links: Vec<(usize, usize, usize, f64)>,
}

#[derive(Debug, Serialize)]
pub struct Heatmap {
    pub stages: Vec<String>,
    pub channels: Vec<String>,
    /// (channel, stage, all touches, marketing touches)
    pub cells: Vec<(usize, usize, i64, i64)>,
}

#[derive(Debug, Serialize)]
pub struct Attribution {
    pub models: Vec<String>,
    pub stages: Vec<String>,
    /// (model, stage, channel, conversions, revenue, spend)
    pub rows: Vec<(usize, usize, String, f64, f64, Option<f64>)>,
}

pub fn kpis(wh: &mut Warehouse, journey: &ResolvedJourney) -> Section<Kpis> {
    let [accounts, persons, touchpoints, stage_events, journeys] = match wh.relations([
        "accounts",
        "persons",
        "touchpoints",
        "stage_events",
        "account_journeys",
    ]) {
        Ok(r) => r,
        Err(missing) => return Section::Missing(missing),
    };
    Section::from_result((|| {
        let count = |wh: &mut Warehouse, what: &str, sql: String| -> Result<i64, Error> {
            let rows = wh.query(what, &sql)?;
            Ok(rows.rows.first().and_then(|r| int(r, 0)).unwrap_or(0))
        };
        let won_stage = journey.config.stages.last().cloned().unwrap_or_default();
        let won = wh.query(
            "won accounts",
            &format!(
                "select count(distinct account_id), sum(value) from {stage_events} where stage = {}",
                literal(&won_stage)
            ),
        )?;
        let won_row = won.rows.first();
        let won_journey = won_journey(wh, &stage_events, &journeys, &won_stage)?;
        Ok(Kpis {
            accounts: count(wh, "accounts", format!("select count(*) from {accounts}"))?,
            known_people: count(
                wh,
                "persons",
                format!(
                    "select count(*) from {persons} where email is not null or contact_id is not null"
                ),
            )?,
            touchpoints: count(
                wh,
                "touchpoints",
                format!("select count(*) from {touchpoints}"),
            )?,
            marketing_touches: count(
                wh,
                "touchpoints",
                format!("select count(*) from {touchpoints} where is_marketing_touch"),
            )?,
            won_accounts: won_row.and_then(|r| int(r, 0)).unwrap_or(0),
            won_value: won_row.and_then(|r| float(r, 1)).unwrap_or(0.0),
            won_stage,
            won_journey,
        })
    })())
}

/// What a won journey looks like: medians, over the won accounts, of the
/// marketing touches, channels and people before the win, and the days from
/// the first touch to the win.
fn won_journey(
    wh: &mut Warehouse,
    stage_events: &str,
    journeys: &str,
    won_stage: &str,
) -> Result<Option<WonJourney>, Error> {
    let sql = format!(
        "with won as ( \
           select account_id, min(reached_at) as won_at from {stage_events} \
           where stage = {stage} group by account_id) \
         select count(*), count(distinct j.channel), count(distinct j.person_id), \
           ({won_epoch} - min({touch_epoch})) / 86400.0 \
         from won as w join {journeys} as j \
           on j.account_id = w.account_id and j.occurred_at <= w.won_at and j.is_marketing_touch \
         group by w.account_id, w.won_at",
        stage = literal(won_stage),
        won_epoch = wh.epoch("w.won_at"),
        touch_epoch = wh.epoch("j.occurred_at"),
    );
    let rows = wh.query("won journeys", &sql)?;
    if rows.rows.is_empty() {
        return Ok(None);
    }
    let col = |i: usize| -> f64 {
        let mut v: Vec<f64> = rows.rows.iter().filter_map(|r| float(r, i)).collect();
        median(&mut v).map(|m| round(m, 1)).unwrap_or(0.0)
    };
    Ok(Some(WonJourney {
        accounts: rows.rows.len(),
        touches: col(0),
        channels: col(1),
        people: col(2),
        days: col(3),
    }))
}

pub fn funnel(wh: &mut Warehouse) -> Section<Vec<FunnelStep>> {
    let [funnel] = match wh.relations(["stage_funnel"]) {
        Ok(r) => r,
        Err(missing) => return Section::Missing(missing),
    };
    Section::from_result((|| {
        let rows = wh.query(
            "stage_funnel",
            &format!(
                "select stage, next_stage, entered, converted, conversion_rate, median_days, p75_days \
                 from {funnel} order by stage_index"
            ),
        )?;
        Ok(rows
            .rows
            .iter()
            .map(|r| FunnelStep {
                stage: text(r, 0).unwrap_or_default(),
                next_stage: text(r, 1).unwrap_or_default(),
                entered: int(r, 2).unwrap_or(0),
                converted: int(r, 3).unwrap_or(0),
                conversion_rate: float(r, 4),
                median_days: float(r, 5),
                p75_days: float(r, 6),
            })
            .collect())
    })())
}

/// Channels kept per Sankey column; the rest are drawn as one "Other" node.
const SANKEY_CHANNELS: usize = 8;
pub const OTHER: &str = "Other";

pub fn paths(wh: &mut Warehouse, journey: &ResolvedJourney) -> Section<Vec<PathFlows>> {
    let [paths] = match wh.relations(["conversion_paths"]) {
        Ok(r) => r,
        Err(missing) => return Section::Missing(missing),
    };
    Section::from_result((|| {
        let rows = wh.query(
            "conversion_paths",
            &format!("select conversion_stage, channel_path, revenue from {paths} where converted"),
        )?;
        let mut by_stage: BTreeMap<String, Vec<(Vec<String>, f64)>> = BTreeMap::new();
        for r in &rows.rows {
            let (Some(stage), path) = (text(r, 0), text(r, 1).unwrap_or_default()) else {
                continue;
            };
            let steps: Vec<String> = path
                .split(" > ")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            by_stage
                .entry(stage)
                .or_default()
                .push((steps, float(r, 2).unwrap_or(0.0)));
        }
        // In journey.conversions' order, then any other stage the table has.
        let mut order: Vec<String> = journey
            .config
            .conversions
            .iter()
            .map(|c| c.stage.clone())
            .collect();
        order.extend(
            by_stage
                .keys()
                .filter(|k| !order.contains(k))
                .cloned()
                .collect::<Vec<_>>(),
        );
        Ok(order
            .into_iter()
            .map(|stage| {
                let mut paths = by_stage.remove(&stage).unwrap_or_default();
                // Rows come in any order; the drawing must not depend on it.
                paths.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
                path_flows(stage, &paths)
            })
            .collect())
    })())
}

/// Column of a Sankey: 1st, 2nd and 3rd touch, the last touch, the conversion.
const COLUMNS: [&str; 5] = [
    "1st touch",
    "2nd touch",
    "3rd touch",
    "Last touch",
    "Converted",
];

pub fn path_flows(stage: String, paths: &[(Vec<String>, f64)]) -> PathFlows {
    let collapsed: Vec<(Vec<&str>, f64)> = paths
        .iter()
        .map(|(steps, revenue)| {
            let mut c: Vec<&str> = steps.iter().map(String::as_str).collect();
            c.dedup();
            (c, *revenue)
        })
        .collect();
    // Each path as the (column, channel) points it passes through.
    let points = |steps: &[&str]| -> Vec<(usize, String)> {
        let n = steps.len();
        let mut out: Vec<(usize, String)> = Vec::new();
        for (i, s) in steps.iter().enumerate() {
            if i + 1 == n && n > 1 {
                out.push((3, s.to_string()));
            } else if i < 3 {
                out.push((i, s.to_string()));
            }
        }
        out.push((4, stage.clone()));
        out
    };
    // Keep the busiest channels of each column.
    let mut volume: HashMap<(usize, String), usize> = HashMap::new();
    for (steps, _) in &collapsed {
        for p in points(steps) {
            *volume.entry(p).or_default() += 1;
        }
    }
    let mut kept: HashMap<(usize, String), bool> = HashMap::new();
    for col in 0..4 {
        let mut here: Vec<(&String, usize)> = volume
            .iter()
            .filter(|((c, _), _)| *c == col)
            .map(|((_, l), v)| (l, *v))
            .collect();
        here.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        for (i, (label, _)) in here.iter().enumerate() {
            kept.insert((col, (*label).clone()), i < SANKEY_CHANNELS);
        }
    }
    let mut node_index: BTreeMap<(usize, String), usize> = BTreeMap::new();
    let mut links: BTreeMap<(usize, usize), (usize, f64)> = BTreeMap::new();
    let mut nodes: Vec<(usize, String)> = Vec::new();
    let mut node = |key: (usize, String), nodes: &mut Vec<(usize, String)>| -> usize {
        *node_index.entry(key.clone()).or_insert_with(|| {
            nodes.push(key);
            nodes.len() - 1
        })
    };
    for (steps, revenue) in &collapsed {
        let named: Vec<usize> = points(steps)
            .into_iter()
            .map(|(col, label)| {
                let label = if col < 4 && !kept.get(&(col, label.clone())).copied().unwrap_or(true)
                {
                    OTHER.to_owned()
                } else {
                    label
                };
                node((col, label), &mut nodes)
            })
            .collect();
        for w in named.windows(2) {
            let e = links.entry((w[0], w[1])).or_default();
            e.0 += 1;
            e.1 += revenue;
        }
    }
    let mut touches: Vec<f64> = paths.iter().map(|(s, _)| s.len() as f64).collect();
    let mut steps: Vec<f64> = collapsed.iter().map(|(s, _)| s.len() as f64).collect();
    PathFlows {
        conversions: paths.len(),
        revenue: round(paths.iter().map(|(_, r)| r).sum(), 2),
        median_touches: median(&mut touches),
        median_steps: median(&mut steps),
        columns: COLUMNS.to_vec(),
        nodes,
        links: links
            .into_iter()
            .map(|((a, b), (n, r))| (a, b, n, round(r, 2)))
            .collect(),
        stage,
    }
}

pub fn heatmap(wh: &mut Warehouse, journey: &ResolvedJourney) -> Section<Heatmap> {
    let [journeys] = match wh.relations(["account_journeys"]) {
        Ok(r) => r,
        Err(missing) => return Section::Missing(missing),
    };
    Section::from_result((|| {
        let rows = wh.query(
            "account_journeys",
            &format!(
                "select channel, stage_at_touch, count(*), \
                   sum(case when is_marketing_touch then 1 else 0 end) \
                 from {journeys} group by channel, stage_at_touch"
            ),
        )?;
        let mut stages: Vec<String> = std::iter::once("pre_awareness".to_owned())
            .chain(journey.config.stages.iter().cloned())
            .collect();
        let mut totals: HashMap<String, i64> = HashMap::new();
        let mut cells: Vec<(String, String, i64, i64)> = Vec::new();
        for r in &rows.rows {
            let channel = text(r, 0).unwrap_or_else(|| "(none)".to_owned());
            let stage = text(r, 1).unwrap_or_else(|| "pre_awareness".to_owned());
            let (all, marketing) = (int(r, 2).unwrap_or(0), int(r, 3).unwrap_or(0));
            *totals.entry(channel.clone()).or_default() += all;
            if !stages.contains(&stage) {
                stages.push(stage.clone());
            }
            cells.push((channel, stage, all, marketing));
        }
        // Columns with no touch at all (usually pre_awareness) are left out.
        stages.retain(|s| cells.iter().any(|c| &c.1 == s));
        let mut channels: Vec<String> = totals.keys().cloned().collect();
        channels.sort_by(|a, b| totals[b].cmp(&totals[a]).then(a.cmp(b)));
        let ci: HashMap<&String, usize> =
            channels.iter().enumerate().map(|(i, c)| (c, i)).collect();
        let si: HashMap<&String, usize> = stages.iter().enumerate().map(|(i, s)| (s, i)).collect();
        let mut cells: Vec<(usize, usize, i64, i64)> = cells
            .iter()
            .map(|(c, s, a, m)| (ci[c], si[s], *a, *m))
            .collect();
        cells.sort();
        Ok(Heatmap {
            stages,
            channels,
            cells,
        })
    })())
}

pub fn attribution(wh: &mut Warehouse, journey: &ResolvedJourney) -> Section<Attribution> {
    let [by_channel] = match wh.relations(["attribution_by_channel"]) {
        Ok(r) => r,
        Err(missing) => return Section::Missing(missing),
    };
    Section::from_result((|| {
        let rows = wh.query(
            "attribution_by_channel",
            &format!(
                "select model, conversion_stage, channel, conversions, revenue, spend from {by_channel}"
            ),
        )?;
        let mut models: Vec<String> = journey.config.attribution.models.clone();
        let mut stages: Vec<String> = journey
            .config
            .conversions
            .iter()
            .map(|c| c.stage.clone())
            .collect();
        let mut out = Vec::new();
        for r in &rows.rows {
            let (Some(model), Some(stage), Some(channel)) = (text(r, 0), text(r, 1), text(r, 2))
            else {
                continue;
            };
            let index = |list: &mut Vec<String>, v: String| match list.iter().position(|x| *x == v)
            {
                Some(i) => i,
                None => {
                    list.push(v);
                    list.len() - 1
                }
            };
            out.push((
                index(&mut models, model),
                index(&mut stages, stage),
                channel,
                round(float(r, 3).unwrap_or(0.0), 4),
                round(float(r, 4).unwrap_or(0.0), 2),
                float(r, 5).map(|s| round(s, 2)),
            ));
        }
        out.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        Ok(Attribution {
            models,
            stages,
            rows: out,
        })
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> (Vec<String>, f64) {
        (s.split(" > ").map(str::to_owned).collect(), 100.0)
    }

    #[test]
    fn sankey_collapses_repeats_and_keeps_the_last_touch() {
        let flows = path_flows(
            "won".into(),
            &[
                path("Email > Email > Sales"),
                path("Email > Direct > Paid Search > Direct > Sales"),
                path("Sales"),
            ],
        );
        let label = |i: usize| format!("{}:{}", flows.nodes[i].0, flows.nodes[i].1);
        let mut links: Vec<String> = flows
            .links
            .iter()
            .map(|(a, b, n, _)| format!("{} -> {} x{n}", label(*a), label(*b)))
            .collect();
        links.sort();
        assert_eq!(
            links,
            vec![
                "0:Email -> 1:Direct x1",
                "0:Email -> 3:Sales x1",
                "0:Sales -> 4:won x1",
                "1:Direct -> 2:Paid Search x1",
                "2:Paid Search -> 3:Sales x1",
                "3:Sales -> 4:won x2",
            ]
        );
        assert_eq!(flows.conversions, 3);
        assert_eq!(flows.median_touches, Some(3.0));
        assert_eq!(flows.median_steps, Some(2.0));
    }
}
