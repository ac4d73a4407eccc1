//! One account, start to finish: its people, its journey episode by episode,
//! what happens after, and its CRM records. Everything is drawn from the
//! account's own random stream.

use super::batch::Batch;
use super::catalog::Catalog;
use super::channel::Channel;
use super::dirt;
use super::firm::Firm;
use super::people::{Device, Person, Role};
use super::plan::{Episode, Outcome, Plan, Step};
use super::rng::{self, Draw, Purpose, Rng};
use super::site;
use super::time::{DAY, HOUR, MINUTE, WINDOW_END};
use super::web::Visit;

/// Which browser a web row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dev {
    Own(usize),
    /// The conference kiosk several accounts' people used.
    Kiosk,
}

/// A touch of one of the account's buyers, for the journey truth.
#[derive(Debug, Clone, Copy)]
pub struct Touch {
    pub at: i64,
    pub channel: Channel,
    pub person: usize,
    /// The browser, for web touches.
    pub dev: Option<Dev>,
}

pub struct Sim<'a> {
    pub r: Rng,
    pub cat: &'a Catalog,
    pub firm: Firm,
    pub plan: Plan,
    pub people: Vec<Person>,
    pub kiosk: Device,
    pub out: &'a mut Batch,
    pub touches: Vec<Touch>,
    pub opportunity_at: Option<i64>,
    pub close_at: Option<i64>,
    /// The first buyer has started a trial of the product (it happens once).
    pub trial_started: bool,
}

/// The account's firmographics and plan, as `build` draws them.
fn outline(seed: u64, index: u64, name_offset: u64) -> (Rng, Firm, Plan) {
    let mut r = rng::stream(seed, Purpose::Account, index);
    let firm = Firm::draw(&mut r, index, name_offset);
    let plan = Plan::draw(&mut r, &firm);
    (r, firm, plan)
}

/// Whether account `index` ever touches the seller.
pub fn engaged(seed: u64, index: u64) -> bool {
    outline(seed, index, 0).2.outcome != Outcome::Cold
}

/// Generate account `index` into `out`.
pub fn build(seed: u64, index: u64, cat: &Catalog, out: &mut Batch) {
    let (r, firm, plan) = outline(seed, index, cat.name_offset);
    let kiosk = Device {
        anonymous_id: cat.kiosk_device.clone(),
        email: None,
        user_id: None,
        used: false,
    };
    let mut sim = Sim {
        r,
        cat,
        firm,
        plan,
        people: Vec::new(),
        kiosk,
        out,
        touches: Vec::new(),
        opportunity_at: None,
        close_at: None,
        trial_started: false,
    };
    sim.run();
}

impl Sim<'_> {
    fn run(&mut self) {
        self.out.tally.outcome(self.plan.outcome);
        self.make_people();
        let at_kiosk = self.cat.kiosk_accounts.contains(&self.firm.index);
        let episodes = self.plan.episodes(&mut self.r, at_kiosk);
        for ep in &episodes {
            self.episode(ep);
        }
        self.settle_stages(&episodes);
        self.customers();
        self.lurkers();
        self.crm_only_contacts();
        self.newsletters();
        self.background_visitors();
        let devices = self
            .people
            .iter()
            .flat_map(|p| &p.devices)
            .filter(|d| d.used);
        self.out.tally.people.devices += devices.count() as u64;
        self.write_contacts();
        self.write_account();
        self.write_opportunity();
        self.tally_journey();
    }

    fn make_people(&mut self) {
        let (outcome, domain) = (self.plan.outcome, self.firm.domain.clone());
        for k in 0..self.plan.contacts {
            let role = if k < self.plan.people {
                Role::Buyer
            } else {
                Role::CrmOnly
            };
            let free_mail = self.r.chance(dirt::FREE_MAIL_CONTACT);
            let mut p = Person::draw(&mut self.r, role, &domain, outcome, free_mail);
            p.contact_id = Some(format!("C{:06}{k:02}", self.firm.index));
            if self.r.chance(dirt::DUPLICATE_CONTACT) {
                p.duplicate_id = Some(format!("C{:06}{:02}", self.firm.index, k + 50));
            }
            p.join_key = if k == 0 {
                0.0
            } else {
                0.1 + 0.8 * self.r.unit()
            };
            self.people.push(p);
        }
        let buyers = self.plan.people as u64;
        let tally = &mut self.out.tally.people;
        tally.buyers += buyers;
        tally.crm_only += self.plan.contacts as u64 - buyers;
    }

    /// A buyer who has joined the journey by `key`, the first one most often.
    fn choose(&mut self, key: f64) -> usize {
        let eligible: Vec<(usize, u32)> = self
            .people
            .iter()
            .enumerate()
            .filter(|(_, p)| p.role == Role::Buyer && p.join_key <= key)
            .map(|(i, _)| (i, if i == 0 { 3 } else { 1 }))
            .collect();
        if eligible.is_empty() {
            0
        } else {
            *self.r.weighted(&eligible)
        }
    }

    /// `who` becomes a CRM contact at `at` (if not one already).
    pub fn create(&mut self, who: usize, at: i64) {
        let p = &mut self.people[who];
        if p.created_at.is_none() {
            p.created_at = Some(at);
        }
    }

    pub fn touch(&mut self, who: usize, at: i64, channel: Channel, dev: Option<Dev>) {
        if self.people[who].role == Role::Buyer {
            self.touches.push(Touch {
                at,
                channel,
                person: who,
                dev,
            });
        }
    }

    fn episode(&mut self, ep: &Episode) {
        let lead = ep.step == Step::Lead;
        let who = if ep.key == 0.0 || lead {
            0
        } else {
            self.choose(ep.key)
        };
        match (ep.step, ep.channel) {
            (Step::Kiosk, _) => self.kiosk_check_in(who, ep.at),
            (Step::Closing, _) => {
                self.crm_touch(0, ep.at, "meeting", Channel::Sales, None);
                self.close_at = Some(ep.at + self.r.between(HOUR, 48 * HOUR));
            }
            (_, Channel::Sales) => {
                let kind = sales_activity(&mut self.r, ep.key);
                self.crm_touch(who, ep.at, kind, Channel::Sales, None);
            }
            (_, Channel::Events) => self.event_touch(who, ep.at),
            (_, Channel::Email) => {
                let who = self.email_recipient(who, ep.at);
                self.email_episode(who, ep.at, ep.key);
            }
            (_, Channel::PaidSocial) if self.r.chance(0.3) => {
                self.lead_form_click(who, ep.at);
            }
            (_, channel) => self.buyer_visit(who, ep.at, channel, ep.key, lead),
        }
    }

    /// A buyer's visit to the website. At the lead episode the first buyer
    /// fills in a form; other buyers identify themselves once there is a
    /// lead; a trial may start.
    fn buyer_visit(&mut self, who: usize, at: i64, channel: Channel, key: f64, lead: bool) {
        let p = &self.people[who];
        let dev = if p.devices.len() > 1 && self.r.chance(0.25) {
            Dev::Own(1)
        } else {
            Dev::Own(0)
        };
        let known = p.created_at.is_some();
        let lead_exists = self.people[0].created_at.is_some();
        let identify = lead || (!known && who != 0 && lead_exists && self.r.chance(0.5));
        let form = if identify || (known && self.r.chance(0.08)) {
            Some(site::lead_form(&mut self.r, key))
        } else {
            None
        };
        let has_opportunity = matches!(
            self.plan.outcome,
            Outcome::Won | Outcome::Lost | Outcome::Open
        );
        let signup = has_opportunity
            && who == 0
            && known
            && !self.trial_started
            && (0.4..0.85).contains(&key)
            && self.r.chance(0.35);
        self.trial_started |= signup;
        let end = self.visit(
            who,
            dev,
            at,
            &Visit {
                channel,
                key,
                form,
                signup,
                email_campaign: None,
            },
        );
        if let Some(form_at) = end.form_at {
            self.create(who, form_at);
        }
    }

    /// Someone already on the mailing list to receive a nurture email; if
    /// nobody is yet, the first buyer arrives on it from a list import.
    fn email_recipient(&mut self, who: usize, at: i64) -> usize {
        if self.people[who].created_at.is_some_and(|c| c < at) {
            return who;
        }
        if let Some(i) = self
            .people
            .iter()
            .position(|p| p.role == Role::Buyer && p.created_at.is_some_and(|c| c < at))
        {
            return i;
        }
        self.create(0, at - 2 * DAY);
        0
    }

    /// Lead, MQL, SQL and opportunity dates, placed on the journey's touches.
    fn settle_stages(&mut self, episodes: &[Episode]) {
        let end = self.close_at.unwrap_or(self.plan.end);
        let sales: Vec<(f64, i64)> = episodes
            .iter()
            .filter(|e| e.channel == Channel::Sales)
            .map(|e| (e.key, e.at))
            .collect();
        let has_opportunity = !matches!(self.plan.outcome, Outcome::Engaged | Outcome::Cold);
        if has_opportunity {
            // Sales adds the buyers marketing never identified.
            let added_at = sales
                .iter()
                .find(|(k, _)| *k >= 0.5)
                .map_or(self.plan.start + (end - self.plan.start) * 6 / 10, |s| s.1);
            for i in 0..self.people.len() {
                if self.people[i].role == Role::Buyer {
                    self.create(i, added_at);
                }
            }
        }
        let Some(lead_at) = self.people.first().and_then(|p| p.created_at) else {
            return;
        };
        if self.plan.mql {
            let mql = (lead_at + self.r.between(0, 4 * DAY)).min(end);
            self.people[0].mql_at = Some(mql);
            if self.plan.sql {
                let sql = sales
                    .iter()
                    .find(|(_, t)| *t >= mql)
                    .map_or(mql + self.r.between(7 * DAY, 20 * DAY), |s| s.1)
                    .min(end);
                self.people[0].sql_at = Some(sql);
                if has_opportunity {
                    let opp = sales
                        .iter()
                        .find(|(k, t)| *k >= 0.5 && *t >= sql)
                        .map_or(sql + self.r.between(3 * DAY, 10 * DAY), |s| s.1)
                        .min(end)
                        .max(sql);
                    self.opportunity_at = Some(opp);
                }
            }
            // Other buyers are scored too, some of them past the threshold.
            for i in 1..self.people.len() {
                let p = &self.people[i];
                if p.role == Role::Buyer
                    && let Some(c) = p.created_at
                    && self.r.chance(0.3)
                {
                    let at = c + self.r.between(DAY, 10 * DAY);
                    if at < end {
                        self.people[i].mql_at = Some(at);
                    }
                }
            }
        }
    }

    /// Contacts who never touch: imported lists, or people sales adds to a
    /// deal.
    fn crm_only_contacts(&mut self) {
        for i in 0..self.people.len() {
            if self.people[i].role != Role::CrmOnly {
                continue;
            }
            let at = match self.opportunity_at {
                Some(opp) if self.r.chance(0.5) => {
                    let until = self.close_at.unwrap_or(WINDOW_END - DAY).max(opp + HOUR);
                    self.r.between(opp, until)
                }
                _ => self
                    .r
                    .between(WINDOW_END - 730 * DAY - 300 * DAY, WINDOW_END - 30 * DAY),
            };
            self.people[i].created_at = Some(at + self.r.between(0, 59) * MINUTE);
        }
    }

    fn tally_journey(&mut self) {
        let Some(close) = self.close_at else {
            return;
        };
        if self.plan.outcome != Outcome::Won {
            return;
        }
        let all: Vec<Touch> = self
            .touches
            .iter()
            .copied()
            .filter(|t| t.at <= close)
            .collect();
        let known: Vec<Touch> = all
            .iter()
            .copied()
            .filter(|t| match t.dev {
                Some(Dev::Own(d)) => {
                    let dev = &self.people[t.person].devices[d];
                    dev.email.is_some() || dev.user_id.is_some()
                }
                _ => true,
            })
            .collect();
        add_journey(&mut self.out.tally.won, &all, close);
        add_journey(&mut self.out.tally.won_identifiable, &known, close);
    }
}

fn add_journey(j: &mut super::truth::Journeys, touches: &[Touch], close: i64) {
    let Some(first) = touches.iter().map(|t| t.at).min() else {
        return;
    };
    let mut channels: Vec<Channel> = touches.iter().map(|t| t.channel).collect();
    channels.sort_unstable();
    channels.dedup();
    let mut people: Vec<usize> = touches.iter().map(|t| t.person).collect();
    people.sort_unstable();
    people.dedup();
    j.count += 1;
    j.touches += touches.len() as u64;
    j.channels += channels.len() as u64;
    j.people += people.len() as u64;
    j.seconds += close - first;
    for t in touches {
        j.by_channel[t.channel.index()] += 1;
    }
}

fn sales_activity(r: &mut Rng, key: f64) -> &'static str {
    if key < 0.35 {
        r.one_weighted(&[("call", 60), ("email", 40)])
    } else if key < 0.7 {
        r.one_weighted(&[("demo", 35), ("meeting", 35), ("call", 20), ("email", 10)])
    } else {
        r.one_weighted(&[("meeting", 50), ("call", 25), ("email", 25)])
    }
}
