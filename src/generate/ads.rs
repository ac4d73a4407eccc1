//! Paid media: landings from ads (Google's click report records the same
//! click, with the same gclid, a moment before the landing page view), lead
//! forms filled inside LinkedIn and Facebook, and the daily spend report.

use super::account::{Dev, Sim};
use super::catalog::{AdKind, Campaign, Catalog};
use super::channel::Channel;
use super::dirt::{self, BLOCKED_AD_EMAIL};
use super::names::{KEYWORDS, RESOURCES};
use super::rng::{self, Draw, Purpose, Rng};
use super::site::Page;
use super::table::Table;
use super::time::{DAY, Format};
use super::truth::Dirt;
use super::web::{Landing, Utm};

/// A Google click id as Google Ads writes them.
fn gclid(r: &mut Rng) -> String {
    format!("Cj0KCQ{}", r.token(34))
}

fn platform(r: &mut Rng, dirt: &mut Dirt, kind: AdKind) -> &'static str {
    if r.chance(dirt::PLATFORM_MIXED_CASE) {
        dirt.mixed_case_platforms += 1;
        kind.platform_mixed_case()
    } else {
        kind.platform()
    }
}

/// A row of ad_clicks.
struct Click<'c> {
    at: i64,
    kind: AdKind,
    campaign: &'c Campaign,
    ad_group: &'c str,
    anonymous_id: Option<&'c str>,
    email: Option<&'c str>,
    gclid: Option<&'c str>,
}

fn write_click(r: &mut Rng, t: &mut Table, dirt: &mut Dirt, c: &Click) {
    t.text(&format!("clk_{}", r.token(16)));
    t.ts(c.at, Format::Space);
    t.text(platform(r, dirt, c.kind));
    t.text(&c.campaign.name)
        .text(c.ad_group)
        .opt(c.anonymous_id);
    match c.email {
        Some(e) => {
            t.text(e);
        }
        None if r.chance(0.02) => dirt::write_blocked(r, t, dirt, BLOCKED_AD_EMAIL),
        None => {
            t.null();
        }
    }
    t.opt(c.gclid);
    let cpc = c.campaign.cpc_cents;
    t.money(cpc * r.between(70, 130) / 100);
    t.end();
}

impl Sim<'_> {
    /// The landing of a paid visit. Google-served ads (search, display,
    /// YouTube) carry a gclid and appear in the click report too.
    pub fn paid_landing(
        &mut self,
        who: usize,
        dev: Dev,
        at: i64,
        ch: Channel,
        page: Page,
    ) -> Landing {
        let kind = match ch {
            Channel::PaidSearch => AdKind::Search,
            Channel::Display => AdKind::Display,
            Channel::PaidVideo => AdKind::Video,
            _ if self.r.chance(0.7) => AdKind::LinkedIn,
            _ => AdKind::Facebook,
        };
        let cat = self.cat;
        let campaign = cat.campaign(&mut self.r, kind, at);
        let dirt = &mut self.out.tally.dirt;
        let r = &mut self.r;
        let (source, medium, referrer) = match kind {
            AdKind::Search => ("google", "cpc", Some("https://www.google.com/")),
            AdKind::Display => ("google", "display", None),
            AdKind::Video => ("youtube", "cpv", Some("https://www.youtube.com/")),
            AdKind::LinkedIn => ("linkedin", "paid_social", Some("https://www.linkedin.com/")),
            AdKind::Facebook => ("facebook", "paid_social", Some("https://www.facebook.com/")),
        };
        let mut utm = Utm::new(r, dirt, source, medium);
        utm.campaign = Some(campaign.name.clone());
        utm.content = Some(match kind {
            AdKind::Search => *r.pick(&["ad-a", "ad-b", "ad-c"]),
            AdKind::Display => *r.pick(&["banner-300x250", "banner-728x90"]),
            AdKind::Video => *r.pick(&["video-15s", "video-30s"]),
            _ => *r.pick(&["sponsored-content", "carousel", "single-image"]),
        });
        if kind == AdKind::Search {
            utm.term = Some(*r.pick(&KEYWORDS));
        }
        let mut query = utm.query();
        let click_id = match kind {
            AdKind::LinkedIn => {
                query.push_str(&format!("&li_fat_id={}", r.uuid()));
                None
            }
            AdKind::Facebook => {
                query.push_str(&format!("&fbclid=IwAR{}", r.token(40)));
                None
            }
            _ => {
                let g = gclid(r);
                query.push_str(&format!("&gclid={g}"));
                Some(g)
            }
        };
        if let Some(g) = &click_id {
            // The same click, as Google's click report has it.
            let anonymous_id = self.device(who, dev).anonymous_id.clone();
            let known = self.r.chance(0.6);
            let ad_group = ad_group(&mut self.r, kind);
            let (r, out) = (&mut self.r, &mut *self.out);
            out.tally.dirt.cross_source_duplicates += 1;
            let click = Click {
                at: at - r.between(0, 4),
                kind,
                campaign,
                ad_group: &ad_group,
                anonymous_id: known.then_some(anonymous_id.as_str()),
                email: None,
                gclid: Some(g),
            };
            let (t, dirt) = (
                &mut out.tables[super::layout::AD_CLICKS],
                &mut out.tally.dirt,
            );
            write_click(r, t, dirt, &click);
            if r.chance(dirt::ORPHAN_AD_CLICK) {
                // A click whose page never loaded (closed tab, blocked tracker).
                dirt.orphan_ad_clicks += 1;
                let g2 = gclid(r);
                let orphan = Click {
                    at: at + r.between(600, 3 * DAY),
                    anonymous_id: None,
                    gclid: Some(&g2),
                    ..click
                };
                write_click(r, t, dirt, &orphan);
            }
        }
        Landing {
            page,
            query,
            referrer: referrer.map(str::to_owned),
            utm: Some(utm),
            gclid: click_id,
        }
    }

    /// A lead form inside LinkedIn or Facebook: a click with an email and no
    /// website visit.
    pub fn lead_form_click(&mut self, who: usize, at: i64) {
        let kind = if self.r.chance(0.75) {
            AdKind::LinkedIn
        } else {
            AdKind::Facebook
        };
        let cat = self.cat;
        let campaign = cat.campaign(&mut self.r, kind, at);
        let email = self.people[who].email.clone();
        let (r, out) = (&mut self.r, &mut *self.out);
        let typed = dirt::typed_email(r, &mut out.tally.dirt, &email, 0.15, 0.0);
        let ad_group = format!("leadgen-{}", r.pick(&RESOURCES));
        let click = Click {
            at,
            kind,
            campaign,
            ad_group: &ad_group,
            anonymous_id: None,
            email: Some(&typed),
            gclid: None,
        };
        let (t, dirt) = (
            &mut out.tables[super::layout::AD_CLICKS],
            &mut out.tally.dirt,
        );
        write_click(r, t, dirt, &click);
        self.create(who, at);
        self.touch(who, at, Channel::PaidSocial, None);
    }
}

fn ad_group(r: &mut Rng, kind: AdKind) -> String {
    match kind {
        AdKind::Search => format!(
            "{}-{}",
            r.pick(&["exact", "phrase", "broad"]),
            r.pick(&KEYWORDS).replace(' ', "-")
        ),
        AdKind::Display => r.pick(&["retargeting-30d", "in-market-saas"]).to_string(),
        _ => r.pick(&["awareness", "consideration"]).to_string(),
    }
}

/// The daily spend report: one row per campaign and active day.
pub fn spend(seed: u64, cat: &Catalog, t: &mut Table, dirt: &mut Dirt) {
    for (i, c) in cat.campaigns.iter().enumerate() {
        let mut r = rng::stream(seed, Purpose::Spend, i as u64);
        let mut day = c.start;
        while day < c.end {
            let cost = c.daily_budget_cents * r.between(55, 105) / 100;
            let clicks = (cost / c.cpc_cents.max(1)).max(1) * r.between(85, 115) / 100;
            let impressions = clicks * 1000 / c.ctr_per_mille.max(1);
            t.date(day);
            t.text(platform(&mut r, dirt, c.kind));
            t.text(&c.name).money(cost).int(impressions).int(clicks);
            t.end();
            day += DAY;
        }
    }
}
