//! Traffic that is not a buying journey: background visitors who belong to
//! no account (most of a B2B site's traffic), and customers using the product
//! after the deal is won.

use super::account::{Dev, Sim};
use super::channel::{BACKGROUND, Channel};
use super::people::{Person, Role};
use super::plan::Outcome;
use super::rng::Draw;
use super::site;
use super::time::{self, DAY, HOUR, WINDOW_END, WINDOW_START};
use super::web::Visit;

/// Background visitors per account, on average: the main volume knob.
const BACKGROUND_VISITORS: f64 = 33.0;

impl Sim<'_> {
    pub fn anonymous_visit(&mut self, who: usize, at: i64, channel: Channel, key: f64) {
        let v = Visit {
            channel,
            key,
            form: None,
            signup: false,
            email_campaign: None,
        };
        self.visit(who, Dev::Own(0), at, &v);
    }

    /// Blog readers, job seekers, competitors; a few leave a free-mail
    /// address in a form (a lead no account can claim).
    pub fn background_visitors(&mut self) {
        let n = self.r.exp(BACKGROUND_VISITORS).round() as u64;
        self.out.tally.people.visitors += n;
        for _ in 0..n {
            let p = Person::draw(&mut self.r, Role::Visitor, "", Outcome::Cold, true);
            self.people.push(p);
            let who = self.people.len() - 1;
            let sessions = 1 + self.r.extra(0.8);
            let leaves_address = self.r.chance(0.04);
            let mut at = self.r.between(WINDOW_START, WINDOW_END - 30 * DAY);
            for s in 0..sessions {
                if self.r.chance(0.6) {
                    at = time::working_hours(&mut self.r, at);
                }
                let channel = *self.r.weighted(&BACKGROUND);
                let form = (leaves_address && s == 0).then(|| site::lead_form(&mut self.r, 0.0));
                let v = Visit {
                    channel,
                    key: self.r.unit() * 0.5,
                    form,
                    signup: false,
                    email_campaign: None,
                };
                let end = self.visit(who, Dev::Own(0), at, &v);
                if let Some(form_at) = end.form_at {
                    self.people[who].created_at = Some(form_at);
                    self.out.tally.people.web_only_leads += 1;
                }
                at = end.last + (self.r.exp(12.0 * DAY as f64) as i64).max(HOUR);
                if at >= WINDOW_END {
                    break;
                }
            }
        }
    }

    /// After a won deal: onboarding and quarterly reviews with sales, and
    /// weekly product use by most buyers (a login, then app pages).
    pub fn customers(&mut self) {
        let (Outcome::Won, Some(close)) = (self.plan.outcome, self.close_at) else {
            return;
        };
        let day = close + self.r.between(3, 10) * DAY;
        let onboarding = time::working_hours(&mut self.r, day);
        if onboarding < WINDOW_END {
            self.crm_touch(0, onboarding, "meeting", Channel::Sales, None);
        }
        let mut review = onboarding + 90 * DAY;
        while review < WINDOW_END {
            if self.r.chance(0.6) {
                let at = time::working_hours(&mut self.r, review);
                self.crm_touch(0, at, "meeting", Channel::Sales, None);
            }
            review += 90 * DAY;
        }
        for who in 0..self.people.len() {
            if self.people[who].role != Role::Buyer || !self.r.chance(0.75) {
                continue;
            }
            self.out.tally.people.product_users += 1;
            let mut week = close + 7 * DAY;
            while week < WINDOW_END - 7 * DAY {
                if self.r.chance(0.45) {
                    let day = week + self.r.between(0, 4) * DAY;
                    let at = time::working_hours(&mut self.r, day);
                    self.app_session(who, at);
                }
                week += 7 * DAY;
            }
        }
    }

    /// A signed-in session in the product. On a second device the login
    /// happens after the first page, so that browser is identified mid-visit.
    fn app_session(&mut self, who: usize, at: i64) {
        let devices = self.people[who].devices.len();
        let dev = if devices > 1 && self.r.chance(0.2) {
            Dev::Own(1)
        } else {
            Dev::Own(0)
        };
        let ch = Channel::Direct;
        let mut t = at;
        self.simple_hit(who, dev, t, "page", "Login", "/login");
        self.touch(who, t, ch, Some(dev));
        t += self.r.between(5, 40);
        self.sign_in(who, dev, t);
        for _ in 0..1 + self.r.extra(2.0).min(8) {
            t += (self.r.exp(90.0) as i64).clamp(5, 20 * 60);
            let (path, name) = site::app_page(&mut self.r);
            self.simple_hit(who, dev, t, "page", name, &path);
            if self.r.chance(0.3) {
                t += self.r.between(5, 120);
                let event =
                    *self
                        .r
                        .pick(&["Report Viewed", "Dashboard Created", "Export Downloaded"]);
                self.simple_hit(who, dev, t, "track", event, &path);
            }
        }
    }
}
