//! Ground truth: what the generator put in the files, counted as it wrote
//! them. Tests assert against it; a newcomer reads truth.json to know what a
//! correct journey map of this data should find.

use std::collections::BTreeMap;

use serde::Serialize;

use super::channel::{self, Channel};
use super::dirt::{BLOCKED, BLOCKED_COLUMNS};
use super::layout::LAYOUTS;
use super::plan::Outcome;
use super::time::{DAY, WINDOW_END, WINDOW_START, date_string};

/// Counters summed over accounts. Integers only, so the sum is the same in
/// any order and truth.json is byte-identical for a seed.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub rows: [u64; 8],
    pub outcomes: [u64; 5],
    pub won_amount_cents: i64,
    pub contacts_mql: u64,
    pub contacts_sql: u64,
    pub people: People,
    pub won: Journeys,
    pub won_identifiable: Journeys,
    pub dirt: Dirt,
}

#[derive(Debug, Default, Clone)]
pub struct People {
    pub buyers: u64,
    pub crm_only: u64,
    pub lurkers: u64,
    pub visitors: u64,
    pub web_only_leads: u64,
    pub crm_people: u64,
    pub devices: u64,
    pub product_users: u64,
}

#[derive(Debug, Default, Clone)]
pub struct Journeys {
    pub count: u64,
    pub touches: u64,
    pub channels: u64,
    pub seconds: i64,
    pub people: u64,
    pub by_channel: [u64; 11],
}

#[derive(Debug, Default, Clone)]
pub struct Dirt {
    pub cross_source_duplicates: u64,
    pub orphan_ad_clicks: u64,
    pub exact_duplicate_web_rows: u64,
    pub blocked: [[u64; 5]; 4],
    pub mixed_case_emails: u64,
    pub padded_emails: u64,
    pub free_mail_contacts: u64,
    pub duplicate_contacts: u64,
    pub messy_domains: u64,
    pub web_timestamp_formats: [u64; 4],
    pub crm_timestamp_formats: [u64; 4],
    pub unparseable_timestamps: u64,
    pub null_key_rows: u64,
    pub kiosk_check_ins: u64,
    pub mixed_case_event_types: u64,
    pub mixed_case_platforms: u64,
    pub mixed_case_utm: u64,
}

impl Journeys {
    fn add(&mut self, o: &Journeys) {
        self.count += o.count;
        self.touches += o.touches;
        self.channels += o.channels;
        self.seconds += o.seconds;
        self.people += o.people;
        for (a, b) in self.by_channel.iter_mut().zip(o.by_channel) {
            *a += b;
        }
    }
}

fn add_all(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        add_all(&mut self.rows, &o.rows);
        add_all(&mut self.outcomes, &o.outcomes);
        self.won_amount_cents += o.won_amount_cents;
        self.contacts_mql += o.contacts_mql;
        self.contacts_sql += o.contacts_sql;
        let (p, q) = (&mut self.people, &o.people);
        p.buyers += q.buyers;
        p.crm_only += q.crm_only;
        p.lurkers += q.lurkers;
        p.visitors += q.visitors;
        p.web_only_leads += q.web_only_leads;
        p.crm_people += q.crm_people;
        p.devices += q.devices;
        p.product_users += q.product_users;
        self.won.add(&o.won);
        self.won_identifiable.add(&o.won_identifiable);
        let (d, e) = (&mut self.dirt, &o.dirt);
        d.cross_source_duplicates += e.cross_source_duplicates;
        d.orphan_ad_clicks += e.orphan_ad_clicks;
        d.exact_duplicate_web_rows += e.exact_duplicate_web_rows;
        for (a, b) in d.blocked.iter_mut().zip(&e.blocked) {
            add_all(a, b);
        }
        d.mixed_case_emails += e.mixed_case_emails;
        d.padded_emails += e.padded_emails;
        d.free_mail_contacts += e.free_mail_contacts;
        d.duplicate_contacts += e.duplicate_contacts;
        d.messy_domains += e.messy_domains;
        add_all(&mut d.web_timestamp_formats, &e.web_timestamp_formats);
        add_all(&mut d.crm_timestamp_formats, &e.crm_timestamp_formats);
        d.unparseable_timestamps += e.unparseable_timestamps;
        d.null_key_rows += e.null_key_rows;
        d.kiosk_check_ins += e.kiosk_check_ins;
        d.mixed_case_event_types += e.mixed_case_event_types;
        d.mixed_case_platforms += e.mixed_case_platforms;
        d.mixed_case_utm += e.mixed_case_utm;
    }

    pub fn outcome(&mut self, o: Outcome) {
        self.outcomes[outcome_index(o)] += 1;
    }

    pub fn count(&self, o: Outcome) -> u64 {
        self.outcomes[outcome_index(o)]
    }
}

fn outcome_index(o: Outcome) -> usize {
    match o {
        Outcome::Won => 0,
        Outcome::Lost => 1,
        Outcome::Open => 2,
        Outcome::Engaged => 3,
        Outcome::Cold => 4,
    }
}

/// truth.json.
#[derive(Debug, Serialize)]
pub struct Truth {
    pub about: &'static str,
    pub seed: u64,
    pub window: Window,
    pub accounts: Accounts,
    pub opportunities: Opportunities,
    pub contacts: Contacts,
    pub persons: Persons,
    pub rows: BTreeMap<&'static str, u64>,
    pub rows_total: u64,
    pub won_journeys: WonJourneys,
    pub dirt: DirtReport,
    pub kiosk: Kiosk,
}

#[derive(Debug, Serialize)]
pub struct Window {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Serialize)]
pub struct Accounts {
    pub note: &'static str,
    pub total: u64,
    pub won: u64,
    pub lost: u64,
    pub open: u64,
    pub engaged_without_opportunity: u64,
    pub target_list_only: u64,
}

#[derive(Debug, Serialize)]
pub struct Opportunities {
    pub total: u64,
    pub won: u64,
    pub lost: u64,
    pub open: u64,
    pub won_revenue: f64,
}

#[derive(Debug, Serialize)]
pub struct Contacts {
    pub records: u64,
    pub distinct_people: u64,
    pub duplicate_records: u64,
    pub free_mail: u64,
    pub mql: u64,
    pub sql: u64,
}

#[derive(Debug, Serialize)]
pub struct Persons {
    pub note: &'static str,
    pub distinct_real_persons: u64,
    pub buyers: u64,
    pub crm_only: u64,
    pub anonymous_account_visitors: u64,
    pub background_visitors: u64,
    pub web_only_free_mail_leads: u64,
    pub product_users: u64,
    pub devices: u64,
}

#[derive(Debug, Serialize)]
pub struct JourneyStats {
    pub accounts: u64,
    pub avg_touches: f64,
    pub avg_channels: f64,
    pub avg_days: f64,
    pub avg_people: f64,
    pub touches_by_channel: BTreeMap<&'static str, u64>,
}

#[derive(Debug, Serialize)]
pub struct WonJourneys {
    pub touch_definition: &'static str,
    pub as_generated: JourneyStats,
    pub identifiable: JourneyStats,
}

#[derive(Debug, Serialize)]
pub struct DirtReport {
    pub cross_source_duplicates: u64,
    pub ad_clicks_without_landing: u64,
    pub exact_duplicate_web_rows: u64,
    pub blocked_identifiers: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
    pub mixed_case_emails: u64,
    pub whitespace_padded_emails: u64,
    pub free_mail_contacts: u64,
    pub duplicate_crm_contacts: u64,
    pub messy_account_domains: u64,
    pub web_timestamp_formats: BTreeMap<&'static str, u64>,
    pub crm_timestamp_formats: BTreeMap<&'static str, u64>,
    pub unparseable_timestamps: u64,
    pub null_key_rows: u64,
    pub shared_devices: u64,
    pub mixed_case_event_types: u64,
    pub mixed_case_platforms: u64,
    pub mixed_case_utm_values: u64,
}

#[derive(Debug, Serialize)]
pub struct Kiosk {
    pub note: &'static str,
    pub anonymous_id: String,
    pub accounts: Vec<String>,
    pub check_ins: u64,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn stats(j: &Journeys) -> JourneyStats {
    let n = j.count.max(1) as f64;
    JourneyStats {
        accounts: j.count,
        avg_touches: round2(j.touches as f64 / n),
        avg_channels: round2(j.channels as f64 / n),
        avg_days: round2(j.seconds as f64 / DAY as f64 / n),
        avg_people: round2(j.people as f64 / n),
        touches_by_channel: channel::ALL
            .iter()
            .filter(|c| j.by_channel[c.index()] > 0)
            .map(|c: &Channel| (c.name(), j.by_channel[c.index()]))
            .collect(),
    }
}

const FORMAT_NAMES: [&str; 4] = [
    "2025-03-01 10:00:00",
    "2025-03-01T10:00:00",
    "2025-03-01T10:00:00Z",
    "2025-03-01 10:00:00.123",
];

fn formats(counts: &[u64; 4]) -> BTreeMap<&'static str, u64> {
    FORMAT_NAMES
        .iter()
        .copied()
        .zip(counts.iter().copied())
        .collect()
}

impl Truth {
    pub fn new(seed: u64, t: &Tally, kiosk_device: &str, kiosk_accounts: Vec<String>) -> Truth {
        let p = &t.people;
        let d = &t.dirt;
        let (won, lost, open) = (
            t.count(Outcome::Won),
            t.count(Outcome::Lost),
            t.count(Outcome::Open),
        );
        let rows: BTreeMap<&'static str, u64> = LAYOUTS
            .iter()
            .zip(t.rows)
            .map(|(l, n)| (l.file.trim_end_matches(".csv"), n))
            .collect();
        let mut blocked = BTreeMap::new();
        for (col, counts) in BLOCKED_COLUMNS.iter().zip(&d.blocked) {
            let per_value: BTreeMap<&'static str, u64> = BLOCKED
                .iter()
                .copied()
                .zip(counts.iter().copied())
                .filter(|(_, n)| *n > 0)
                .collect();
            blocked.insert(*col, per_value);
        }
        Truth {
            about: "What `jmap generate` wrote, counted as it wrote it. Rows of dirt are counted \
                    separately; journey figures are measured before any dirt was added.",
            seed,
            window: Window {
                start: date_string(WINDOW_START),
                end: date_string(WINDOW_END - 1),
            },
            accounts: Accounts {
                note: "won, lost and open have an opportunity; engaged_without_opportunity had a \
                       journey (touches, maybe a lead) but no deal; target_list_only are in the CRM \
                       from an imported list, with no journey (their contacts may open newsletters).",
                total: t.outcomes.iter().sum(),
                won,
                lost,
                open,
                engaged_without_opportunity: t.count(Outcome::Engaged),
                target_list_only: t.count(Outcome::Cold),
            },
            opportunities: Opportunities {
                total: won + lost + open,
                won,
                lost,
                open,
                won_revenue: t.won_amount_cents as f64 / 100.0,
            },
            contacts: Contacts {
                records: p.crm_people + d.duplicate_contacts,
                distinct_people: p.crm_people,
                duplicate_records: d.duplicate_contacts,
                free_mail: d.free_mail_contacts,
                mql: t.contacts_mql,
                sql: t.contacts_sql,
            },
            persons: Persons {
                note: "buyers take part in an account's journey; crm_only are contacts outside \
                       it (imported or added by sales; some read newsletters); anonymous account visitors never identify themselves, so no tool can \
                       link them; background visitors belong to no account (a few leave a \
                       free-mail address in a form).",
                distinct_real_persons: p.buyers + p.crm_only + p.lurkers + p.visitors,
                buyers: p.buyers,
                crm_only: p.crm_only,
                anonymous_account_visitors: p.lurkers,
                background_visitors: p.visitors,
                web_only_free_mail_leads: p.web_only_leads,
                product_users: p.product_users,
                devices: p.devices,
            },
            rows_total: rows.values().sum(),
            rows,
            won_journeys: WonJourneys {
                touch_definition: "marketing touches of the account's buyers from their first \
                    touch to the close: each web visit (a session, however many pages; a Google \
                    ad click and its landing page are one), each lead-form ad click, each email \
                    open or click (not sends, bounces or unsubscribes), each CRM activity. A visit \
                    takes the GA4 default channel of its landing (gclid traffic from display and \
                    YouTube campaigns is Display and Paid Video); CRM activities take `Sales` or \
                    `Events` from crm_activities.channel. Days run from the first touch to \
                    closed_at. `identifiable` keeps the touches a perfect identity stitch can tie \
                    to the account (not visits on browsers that never log in or fill in a form).",
                as_generated: stats(&t.won),
                identifiable: stats(&t.won_identifiable),
            },
            dirt: DirtReport {
                cross_source_duplicates: d.cross_source_duplicates,
                ad_clicks_without_landing: d.orphan_ad_clicks,
                exact_duplicate_web_rows: d.exact_duplicate_web_rows,
                blocked_identifiers: blocked,
                mixed_case_emails: d.mixed_case_emails,
                whitespace_padded_emails: d.padded_emails,
                free_mail_contacts: d.free_mail_contacts,
                duplicate_crm_contacts: d.duplicate_contacts,
                messy_account_domains: d.messy_domains,
                web_timestamp_formats: formats(&d.web_timestamp_formats),
                crm_timestamp_formats: formats(&d.crm_timestamp_formats),
                unparseable_timestamps: d.unparseable_timestamps,
                null_key_rows: d.null_key_rows,
                shared_devices: u64::from(d.kiosk_check_ins > 0),
                mixed_case_event_types: d.mixed_case_event_types,
                mixed_case_platforms: d.mixed_case_platforms,
                mixed_case_utm_values: d.mixed_case_utm,
            },
            kiosk: Kiosk {
                note: "one conference kiosk: a device on which people of different accounts \
                       filled in a form; stitching by device alone would merge them.",
                anonymous_id: kiosk_device.to_owned(),
                accounts: kiosk_accounts,
                check_ins: d.kiosk_check_ins,
            },
        }
    }
}
