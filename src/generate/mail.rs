//! Marketing email: nurture emails opened (and clicked through to the site)
//! during a journey, and the monthly newsletter sent to everyone on the list.

use super::account::{Dev, Sim};
use super::channel::Channel;
use super::dirt;
use super::people::Role;
use super::plan::Outcome;
use super::rng::Draw;
use super::time::{DAY, Format, HOUR, MINUTE, WINDOW_END, WINDOW_START};
use super::web::Visit;

/// The first and third Tuesday of each month at 14:00 UTC: (send time,
/// campaign name).
pub fn newsletter_dates() -> Vec<(i64, String)> {
    let mut out = Vec::new();
    let mut day = WINDOW_START;
    while day < WINDOW_END {
        let (_, _, d) = super::time::civil(day / DAY);
        if super::time::weekday(day) == 1 && (d <= 7 || (15..=21).contains(&d)) {
            let at = day + 14 * HOUR;
            let issue = if d <= 7 { "a" } else { "b" };
            let month = super::time::month_string(at);
            out.push((at, format!("newsletter-{month}-{issue}")));
        }
        day += DAY;
    }
    out
}

impl Sim<'_> {
    /// An email event row (the address as the email tool stores it).
    pub fn email_row(&mut self, who: usize, at: i64, kind: &str, campaign: &str) {
        let email = self.people[who].email.clone();
        let (r, out) = (&mut self.r, &mut *self.out);
        let dirt = &mut out.tally.dirt;
        let shown = if r.chance(0.03) {
            dirt.mixed_case_emails += 1;
            dirt::case_variant(r, &email)
        } else {
            email
        };
        let t = &mut out.tables[super::layout::EMAIL_EVENTS];
        let id = r.token(22);
        t.text(&id)
            .ts(at, Format::Z)
            .text(&shown)
            .text(kind)
            .text(campaign);
        t.end();
        if r.chance(dirt::EMAIL_NULL_KEY) {
            dirt.null_key_rows += 1;
            let id = r.token(22);
            t.text(&id)
                .ts(at, Format::Z)
                .null()
                .text(kind)
                .text(campaign);
            t.end();
        }
    }

    /// A nurture email opened at `at` (sent a little before), sometimes
    /// clicked through to the website.
    pub fn email_episode(&mut self, who: usize, at: i64, key: f64) {
        let stage = if key < 0.33 {
            "awareness"
        } else if key < 0.66 {
            "consideration"
        } else {
            "decision"
        };
        let campaign = format!("nurture-{stage}-{}", self.r.between(1, 6));
        let created = self.people[who].created_at.unwrap_or(at);
        let sent =
            (at - (self.r.exp(5.0 * HOUR as f64) as i64).clamp(10 * MINUTE, 3 * DAY)).max(created);
        self.email_row(who, sent, "sent", &campaign);
        self.email_row(who, at, "open", &campaign);
        self.touch(who, at, Channel::Email, None);
        if self.r.chance(0.3) {
            let click = at + self.r.between(30, 600);
            self.email_row(who, click, "click", &campaign);
            self.touch(who, click, Channel::Email, None);
            self.email_visit(who, click, key, campaign);
        }
    }

    /// The site visit following an email click; the link identifies the
    /// browser.
    fn email_visit(&mut self, who: usize, click: i64, key: f64, campaign: String) {
        self.identify(who, Dev::Own(0));
        let v = Visit {
            channel: Channel::Email,
            key,
            form: None,
            signup: false,
            email_campaign: Some(campaign),
        };
        let at = click + self.r.between(2, 20);
        self.visit(who, Dev::Own(0), at, &v);
    }

    /// The newsletter, twice a month to every contact on the list. Buyers
    /// open it only outside their journey (in it they engage through the
    /// planned touches), and nobody at a won account opens it before the
    /// close, so the won journeys stay as planned.
    pub fn newsletters(&mut self) {
        let journey_end = match self.plan.outcome {
            Outcome::Won => self.close_at,
            Outcome::Lost | Outcome::Engaged => Some(self.plan.end),
            Outcome::Open => None,
            Outcome::Cold => Some(WINDOW_START),
        };
        let won = self.plan.outcome == Outcome::Won;
        let cat = self.cat;
        for who in 0..self.people.len() {
            let p = &self.people[who];
            let Some(created) = p.created_at else {
                continue;
            };
            let (opens_from, rate) = match p.role {
                Role::Buyer if won => (journey_end, 0.25),
                Role::Buyer => (journey_end, 0.12),
                Role::CrmOnly if won => (journey_end, 0.12),
                Role::CrmOnly => (Some(created), 0.12),
                // Visitors who left an address in a form get it too.
                Role::Visitor => (Some(created), 0.15),
                Role::Lurker => (None, 0.0),
            };
            let bounces = p.bounces;
            for (sent, campaign) in cat.newsletters.iter().filter(|(t, _)| *t > created) {
                self.email_row(who, *sent, "sent", campaign);
                if bounces {
                    let at = sent + self.r.between(5, 300);
                    self.email_row(who, at, "bounce", campaign);
                    break;
                }
                if opens_from.is_some_and(|f| *sent > f) && self.r.chance(rate) {
                    let at = sent + (self.r.exp(8.0 * HOUR as f64) as i64).min(5 * DAY);
                    self.email_row(who, at, "open", campaign);
                    self.touch(who, at, Channel::Email, None);
                    if self.r.chance(0.12) {
                        let click = at + self.r.between(30, 900);
                        self.email_row(who, click, "click", campaign);
                        self.touch(who, click, Channel::Email, None);
                        self.email_visit(who, click, 1.0, campaign.clone());
                    }
                }
                if self.r.chance(0.003) {
                    let at = sent + (self.r.exp(10.0 * HOUR as f64) as i64).min(5 * DAY);
                    self.email_row(who, at, "unsubscribe", campaign);
                    break;
                }
            }
        }
    }
}
