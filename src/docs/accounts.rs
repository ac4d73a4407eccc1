//! Accounts on the journey map: the searchable index, each indexed account's
//! timeline (touches, people, stages, stalls) and the stalled accounts.
//!
//! Size is bounded whatever the warehouse holds: at most `INDEX_LIMIT`
//! accounts are searchable (the furthest along first), and their timelines
//! are written in shards of `SHARD_SIZE` accounts that the page loads only
//! when one of them is opened, so 30,000 accounts cost the page nothing.
//! Timelines carry the marketing touches (visits, ads, emails, CRM), not
//! every page view of a visit.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::data::{Section, Warehouse, boolean, float, int, round, text};
use crate::config::journey::ResolvedJourney;
use crate::dialect::literal;
use crate::error::Error;

pub const INDEX_LIMIT: usize = 5000;
pub const SHARD_SIZE: usize = 64;
const STALLED_LIMIT: usize = 25;

#[derive(Debug, Serialize)]
pub struct Accounts {
    /// The latest touch in the data: "silent for" is counted up to it.
    pub as_of: Option<i64>,
    /// All accounts with a touch or a stage, of which `index` lists the first
    /// `INDEX_LIMIT`.
    pub total: usize,
    /// (id, name, domain, furthest stage index (0: none), marketing touches, shard)
    pub index: Vec<(String, String, String, i64, i64, usize)>,
    pub stalled: Vec<Stalled>,
    /// Dictionaries the shards' touches refer to by position.
    pub channels: Vec<String>,
    pub touch_types: Vec<String>,
    pub shards: usize,
}

#[derive(Debug, Serialize)]
pub struct Stalled {
    pub account_id: String,
    pub name: String,
    pub stage: i64,
    pub fit_tier: Option<String>,
    pub touches: i64,
    /// Days: the longest gap between two touches, and since the last touch.
    pub longest_gap: f64,
    pub silent: f64,
    pub stalls: i64,
    pub last_touch: i64,
}

/// One account's timeline, as written to a shard (times in minutes since 1970).
#[derive(Debug, Serialize, Default)]
pub struct Timeline {
    pub name: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub employees: Option<i64>,
    pub country: Option<String>,
    pub fit_score: Option<f64>,
    pub fit_tier: Option<String>,
    pub touches_total: i64,
    /// (email or "", job title, seniority)
    pub people: Vec<(String, Option<String>, Option<String>)>,
    /// (minute, channel, touch type, person or -1)
    pub touches: Vec<(i64, usize, usize, i64)>,
    /// (stage index, minute, person or -1, value)
    pub stages: Vec<(i64, i64, i64, Option<f64>)>,
    /// (minute the gap ended, its days)
    pub gaps: Vec<(i64, f64)>,
}

struct Summary {
    id: String,
    name: String,
    domain: Option<String>,
    industry: Option<String>,
    employees: Option<i64>,
    country: Option<String>,
    fit_score: Option<f64>,
    fit_tier: Option<String>,
    stage: i64,
    touches: i64,
    marketing: i64,
    last_at: Option<i64>,
    longest_gap: f64,
    stalls: i64,
}

/// The index, the stalled accounts, and the shards' timelines (shard k holds
/// the accounts at index positions k*SHARD_SIZE..).
pub fn read(
    wh: &mut Warehouse,
    journey: &ResolvedJourney,
) -> (Section<Accounts>, Vec<BTreeMap<String, Timeline>>) {
    let [accounts, journeys, stage_events, persons] =
        match wh.relations(["accounts", "account_journeys", "stage_events", "persons"]) {
            Ok(r) => r,
            Err(missing) => return (Section::Missing(missing), Vec::new()),
        };
    let rels = Rels {
        accounts,
        journeys,
        stage_events,
        persons,
    };
    match read_all(wh, journey, &rels) {
        Ok((a, shards)) => (Section::Ready(a), shards),
        Err(e) => (Section::Failed(e.message), Vec::new()),
    }
}

struct Rels {
    accounts: String,
    journeys: String,
    stage_events: String,
    persons: String,
}

fn read_all(
    wh: &mut Warehouse,
    journey: &ResolvedJourney,
    r: &Rels,
) -> Result<(Accounts, Vec<BTreeMap<String, Timeline>>), Error> {
    let summaries = summaries(wh, r)?;
    let as_of = summaries.iter().filter_map(|s| s.last_at).max();
    let final_stage = journey.config.stages.len() as i64;
    let stall_days = journey.config.stall_days as f64;

    let silent = |s: &Summary| match (as_of, s.last_at) {
        (Some(end), Some(last)) => (end - last) as f64 / 86400.0,
        _ => 0.0,
    };
    let mut stalled: Vec<Stalled> = summaries
        .iter()
        // One touch long ago is a lead that never engaged, not a stall.
        .filter(|s| s.stage < final_stage && s.touches >= 2)
        .filter(|s| s.longest_gap.max(silent(s)) > stall_days)
        .map(|s| Stalled {
            account_id: s.id.clone(),
            name: s.name.clone(),
            stage: s.stage,
            fit_tier: s.fit_tier.clone(),
            touches: s.marketing,
            longest_gap: round(s.longest_gap, 1),
            silent: round(silent(s), 1),
            stalls: s.stalls,
            last_touch: s.last_at.unwrap_or(0) / 60,
        })
        .collect();
    stalled.sort_by(|a, b| {
        b.longest_gap
            .max(b.silent)
            .total_cmp(&a.longest_gap.max(a.silent))
            .then(a.account_id.cmp(&b.account_id))
    });
    stalled.truncate(STALLED_LIMIT);

    // The index: the furthest along and busiest first, plus every stalled
    // account (each row of that table opens its timeline).
    let mut ranked: Vec<&Summary> = summaries
        .iter()
        .filter(|s| s.touches > 0 || s.stage > 0)
        .collect();
    let total = ranked.len();
    ranked.sort_by(|a, b| {
        (b.stage, b.marketing)
            .cmp(&(a.stage, a.marketing))
            .then(a.id.cmp(&b.id))
    });
    let must: HashSet<&str> = stalled.iter().map(|s| s.account_id.as_str()).collect();
    let mut chosen: Vec<&Summary> = ranked.iter().take(INDEX_LIMIT).copied().collect();
    if ranked.len() > INDEX_LIMIT {
        let have: HashSet<&str> = chosen.iter().map(|s| s.id.as_str()).collect();
        let extra: Vec<&Summary> = ranked
            .iter()
            .filter(|s| must.contains(s.id.as_str()) && !have.contains(s.id.as_str()))
            .copied()
            .collect();
        chosen.truncate(INDEX_LIMIT - extra.len());
        chosen.extend(extra);
    }
    let filter = (chosen.len() < total).then(|| {
        chosen
            .iter()
            .map(|s| literal(&s.id))
            .collect::<Vec<_>>()
            .join(", ")
    });

    let mut timelines: HashMap<String, Timeline> = chosen
        .iter()
        .map(|s| {
            (
                s.id.clone(),
                Timeline {
                    name: s.name.clone(),
                    domain: s.domain.clone(),
                    industry: s.industry.clone(),
                    employees: s.employees,
                    country: s.country.clone(),
                    fit_score: s.fit_score,
                    fit_tier: s.fit_tier.clone(),
                    touches_total: s.touches,
                    ..Default::default()
                },
            )
        })
        .collect();
    let (channels, touch_types) = fill_timelines(wh, r, filter.as_deref(), &mut timelines)?;

    let mut shards: Vec<BTreeMap<String, Timeline>> = Vec::new();
    let mut index = Vec::with_capacity(chosen.len());
    for (i, s) in chosen.iter().enumerate() {
        let shard = i / SHARD_SIZE;
        if shards.len() <= shard {
            shards.push(BTreeMap::new());
        }
        if let Some(t) = timelines.remove(&s.id) {
            shards[shard].insert(s.id.clone(), t);
        }
        index.push((
            s.id.clone(),
            s.name.clone(),
            s.domain.clone().unwrap_or_default(),
            s.stage,
            s.marketing,
            shard,
        ));
    }
    Ok((
        Accounts {
            as_of: as_of.map(|t| t / 60),
            total,
            index,
            stalled,
            channels,
            touch_types,
            shards: shards.len(),
        },
        shards,
    ))
}

/// One row per account: firmographics, furthest stage, touches and gaps.
fn summaries(wh: &mut Warehouse, r: &Rels) -> Result<Vec<Summary>, Error> {
    let sql = format!(
        "with j as ( \
           select account_id, count(*) as touches, \
             sum(case when is_marketing_touch then 1 else 0 end) as marketing, \
             max(occurred_at) as last_at, max(days_since_prev) as longest_gap, \
             sum(case when is_stall_gap then 1 else 0 end) as stalls \
           from {journeys} group by account_id), \
         s as (select account_id, max(stage_index) as stage_index from {stage_events} group by account_id) \
         select a.account_id, a.name, a.domain, a.industry, a.employee_count, a.country, \
           a.fit_score, a.fit_tier, s.stage_index, j.touches, j.marketing, {last_epoch}, \
           j.longest_gap, j.stalls \
         from {accounts} as a \
         left join j on j.account_id = a.account_id \
         left join s on s.account_id = a.account_id",
        journeys = r.journeys,
        stage_events = r.stage_events,
        accounts = r.accounts,
        last_epoch = wh.epoch("j.last_at"),
    );
    let rows = wh.query("accounts", &sql)?;
    Ok(rows
        .rows
        .iter()
        .filter_map(|row| {
            let id = text(row, 0)?;
            Some(Summary {
                name: text(row, 1).unwrap_or_else(|| id.clone()),
                id,
                domain: text(row, 2),
                industry: text(row, 3),
                employees: int(row, 4),
                country: text(row, 5),
                fit_score: float(row, 6),
                fit_tier: text(row, 7),
                stage: int(row, 8).unwrap_or(0),
                touches: int(row, 9).unwrap_or(0),
                marketing: int(row, 10).unwrap_or(0),
                last_at: float(row, 11).map(|t| t as i64),
                longest_gap: float(row, 12).unwrap_or(0.0),
                stalls: int(row, 13).unwrap_or(0),
            })
        })
        .collect())
}

/// Touches, people, stages and stall gaps of the chosen accounts (`filter`:
/// their ids as an SQL list, `None` when every account is chosen). Returns the
/// channel and touch-type dictionaries.
fn fill_timelines(
    wh: &mut Warehouse,
    r: &Rels,
    filter: Option<&str>,
    timelines: &mut HashMap<String, Timeline>,
) -> Result<(Vec<String>, Vec<String>), Error> {
    let only = match filter {
        Some(ids) => format!(" and account_id in ({ids})"),
        None => String::new(),
    };
    // People of each account: the people who made its touches, then the rest
    // of the account's known people (CRM contacts, business emails).
    let people = wh.query(
        "persons",
        &format!(
            "select account_id, person_id, email, job_title, seniority, touches from {} \
             where account_id is not null{} \
             order by account_id, touches desc, person_id",
            r.persons, only
        ),
    )?;
    let mut person_index: HashMap<(String, String), i64> = HashMap::new();
    for row in &people.rows {
        let (Some(account), Some(person)) = (text(row, 0), text(row, 1)) else {
            continue;
        };
        let Some(t) = timelines.get_mut(&account) else {
            continue;
        };
        person_index.insert((account, person), t.people.len() as i64);
        t.people
            .push((text(row, 2).unwrap_or_default(), text(row, 3), text(row, 4)));
    }
    let person = |account: &str, id: Option<String>| -> i64 {
        id.and_then(|p| person_index.get(&(account.to_owned(), p)).copied())
            .unwrap_or(-1)
    };

    let touches = wh.query(
        "account_journeys",
        &format!(
            "select account_id, {epoch}, channel, touch_type, person_id, is_marketing_touch, \
               is_stall_gap, days_since_prev \
             from {journeys} where (is_marketing_touch or is_stall_gap){only} \
             order by account_id, seq",
            epoch = wh.epoch("occurred_at"),
            journeys = r.journeys,
        ),
    )?;
    let mut channels: Vec<String> = Vec::new();
    let mut types: Vec<String> = Vec::new();
    let mut channel_ix: HashMap<String, usize> = HashMap::new();
    let mut type_ix: HashMap<String, usize> = HashMap::new();
    let intern = |v: String, list: &mut Vec<String>, ix: &mut HashMap<String, usize>| {
        *ix.entry(v.clone()).or_insert_with(|| {
            list.push(v);
            list.len() - 1
        })
    };
    for row in &touches.rows {
        let Some(account) = text(row, 0) else {
            continue;
        };
        let minute = float(row, 1)
            .map(|t| (t / 60.0).floor() as i64)
            .unwrap_or(0);
        let p = person(&account, text(row, 4));
        let Some(t) = timelines.get_mut(&account) else {
            continue;
        };
        if boolean(row, 5) {
            let c = intern(
                text(row, 2).unwrap_or_else(|| "(none)".into()),
                &mut channels,
                &mut channel_ix,
            );
            let k = intern(
                text(row, 3).unwrap_or_else(|| "(none)".into()),
                &mut types,
                &mut type_ix,
            );
            t.touches.push((minute, c, k, p));
        }
        if boolean(row, 6) {
            t.gaps
                .push((minute, round(float(row, 7).unwrap_or(0.0), 1)));
        }
    }

    let stages = wh.query(
        "stage_events",
        &format!(
            "select account_id, stage_index, {epoch}, person_id, value from {stage_events} \
             where account_id is not null{only} order by account_id, reached_at, stage_index, person_id, value",
            epoch = wh.epoch("reached_at"),
            stage_events = r.stage_events,
        ),
    )?;
    for row in &stages.rows {
        let Some(account) = text(row, 0) else {
            continue;
        };
        let p = person(&account, text(row, 3));
        let Some(t) = timelines.get_mut(&account) else {
            continue;
        };
        let minute = float(row, 2)
            .map(|t| (t / 60.0).floor() as i64)
            .unwrap_or(0);
        t.stages
            .push((int(row, 1).unwrap_or(0), minute, p, float(row, 4)));
    }
    Ok((channels, types))
}
