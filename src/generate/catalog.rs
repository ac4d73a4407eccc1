//! What all accounts share: the seller's ad campaigns and the one shared
//! device. Built once from the seed; accounts only read it.

use std::collections::HashSet;

use super::names::TOPICS;
use super::rng::{self, Draw, Purpose, Rng};
use super::time::{self, DAY, WINDOW_END, WINDOW_START};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdKind {
    Search,
    Display,
    Video,
    LinkedIn,
    Facebook,
}

impl AdKind {
    pub fn platform(self) -> &'static str {
        match self {
            AdKind::Search | AdKind::Display => "google",
            AdKind::Video => "youtube",
            AdKind::LinkedIn => "linkedin",
            AdKind::Facebook => "facebook",
        }
    }

    /// The platform as some exports spell it.
    pub fn platform_mixed_case(self) -> &'static str {
        match self {
            AdKind::Search | AdKind::Display => "Google",
            AdKind::Video => "YouTube",
            AdKind::LinkedIn => "LinkedIn",
            AdKind::Facebook => "Facebook",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            AdKind::Search => "gs",
            AdKind::Display => "gdn",
            AdKind::Video => "yt",
            AdKind::LinkedIn => "li",
            AdKind::Facebook => "fb",
        }
    }

    /// (daily budget range in dollars, cost per click range in cents,
    /// click-through rate range in per mille)
    fn economics(self) -> ((i64, i64), (i64, i64), (i64, i64)) {
        match self {
            AdKind::Search => ((150, 900), (300, 1200), (30, 70)),
            AdKind::Display => ((50, 300), (50, 200), (1, 5)),
            AdKind::Video => ((50, 300), (20, 100), (5, 10)),
            AdKind::LinkedIn => ((100, 600), (700, 1500), (4, 10)),
            AdKind::Facebook => ((40, 250), (100, 400), (8, 15)),
        }
    }
}

const KINDS: [AdKind; 5] = [
    AdKind::Search,
    AdKind::Display,
    AdKind::Video,
    AdKind::LinkedIn,
    AdKind::Facebook,
];

#[derive(Debug, Clone)]
pub struct Campaign {
    pub name: String,
    pub kind: AdKind,
    /// First active day (a day start) and the day after the last.
    pub start: i64,
    pub end: i64,
    pub daily_budget_cents: i64,
    pub cpc_cents: i64,
    pub ctr_per_mille: i64,
}

#[derive(Debug)]
pub struct Catalog {
    pub campaigns: Vec<Campaign>,
    by_kind: [Vec<usize>; 5],
    /// A conference kiosk: one device used by people of several accounts.
    pub kiosk_device: String,
    pub kiosk_accounts: Vec<u64>,
    /// Monthly newsletter sends: (time, campaign).
    pub newsletters: Vec<(i64, String)>,
    /// Rotates company names, so each seed names its accounts differently.
    pub name_offset: u64,
}

impl Catalog {
    /// `engaged(i)` says whether account `i` ever touches the seller (the
    /// kiosk goes to the first two that do).
    pub fn build(seed: u64, accounts: u64, engaged: impl Fn(u64) -> bool) -> Catalog {
        let mut r = rng::stream(seed, Purpose::Catalog, 0);
        let name_offset = r.bits();
        let kiosk_device = r.uuid();
        let kiosk_accounts = (0..accounts).filter(|i| engaged(*i)).take(2).collect();
        // Always-on campaigns first, so that every kind has one running any day.
        let mut campaigns: Vec<Campaign> = [
            (AdKind::Search, "gs-brand-lumora"),
            (AdKind::Search, "gs-generic-attribution"),
            (AdKind::Display, "gdn-retargeting-all-visitors"),
            (AdKind::Video, "yt-awareness-journeys"),
            (AdKind::LinkedIn, "li-abm-target-accounts"),
            (AdKind::Facebook, "fb-retargeting-visitors"),
        ]
        .into_iter()
        .map(|(kind, name)| campaign(&mut r, kind, name.to_owned(), WINDOW_START, WINDOW_END))
        .collect();
        // More accounts, more campaigns: spend rows scale with the dataset.
        let extra = 10 + accounts / 40;
        let mut names: HashSet<String> = campaigns.iter().map(|c| c.name.clone()).collect();
        for _ in 0..extra {
            let kind = *r.weighted(&[
                (AdKind::Search, 35),
                (AdKind::LinkedIn, 25),
                (AdKind::Display, 15),
                (AdKind::Facebook, 15),
                (AdKind::Video, 10),
            ]);
            let start = time::day_start(r.between(WINDOW_START - 60 * DAY, WINDOW_END - 30 * DAY));
            let end = (start + r.between(60, 300) * DAY).min(WINDOW_END);
            let start = start.max(WINDOW_START);
            let (y, m, _) = time::civil(start / DAY);
            let base = format!(
                "{}-{}-{}q{}",
                kind.prefix(),
                r.pick(&TOPICS),
                y,
                (m - 1) / 3 + 1
            );
            let mut name = base.clone();
            let mut n = 2;
            while names.contains(&name) {
                name = format!("{base}-{n}");
                n += 1;
            }
            names.insert(name.clone());
            campaigns.push(campaign(&mut r, kind, name, start, end));
        }
        let mut by_kind: [Vec<usize>; 5] = Default::default();
        for (i, c) in campaigns.iter().enumerate() {
            by_kind[kind_index(c.kind)].push(i);
        }
        Catalog {
            campaigns,
            by_kind,
            kiosk_device,
            kiosk_accounts,
            newsletters: super::mail::newsletter_dates(),
            name_offset,
        }
    }

    /// A campaign of `kind` running at `t` (an always-on one if the few
    /// tried are not).
    pub fn campaign(&self, r: &mut Rng, kind: AdKind, t: i64) -> &Campaign {
        let ids = &self.by_kind[kind_index(kind)];
        for _ in 0..6 {
            let c = &self.campaigns[*r.pick(ids)];
            if c.start <= t && t < c.end {
                return c;
            }
        }
        &self.campaigns[ids[0]]
    }
}

fn kind_index(kind: AdKind) -> usize {
    KINDS.iter().position(|k| *k == kind).unwrap_or(0)
}

fn campaign(r: &mut Rng, kind: AdKind, name: String, start: i64, end: i64) -> Campaign {
    let ((b0, b1), (c0, c1), (t0, t1)) = kind.economics();
    Campaign {
        name,
        kind,
        start,
        end,
        daily_budget_cents: r.between(b0, b1) * 100,
        cpc_cents: r.between(c0, c1),
        ctr_per_mille: r.between(t0, t1),
    }
}
