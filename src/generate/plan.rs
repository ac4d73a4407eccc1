//! An account's story before any row is written: does it buy, when does its
//! journey start and end, how many touches, through which channels. The
//! numbers here are what calibrates the data to the field (won B2B journeys:
//! ~31 touches, ~3 channels, ~190 days, several people).

use super::channel::{ACQUISITION, Channel, FOLLOW_UP};
use super::firm::Firm;
use super::rng::{Draw, Rng};
use super::time::{self, DAY, HOUR, WINDOW_END, WINDOW_START};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An opportunity closed won.
    Won,
    /// An opportunity closed lost.
    Lost,
    /// An opportunity still open at the end of the window.
    Open,
    /// Touches, maybe a lead, never an opportunity.
    Engaged,
    /// In the CRM only (an imported target list): no touches.
    Cold,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub outcome: Outcome,
    /// First touch; for won and lost accounts `end` is the close.
    pub start: i64,
    pub end: i64,
    /// Touches aimed at (the emitted count varies around it).
    pub touches: f64,
    /// Channels of the journey; the first is where it starts.
    pub channels: Vec<Channel>,
    /// Where in the journey (0..1) the first lead is created.
    pub lead_key: f64,
    /// People of the account who take part in the journey (at least one).
    pub people: usize,
    /// Contacts in the CRM (engaged people plus others).
    pub contacts: usize,
    pub mql: bool,
    pub sql: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Touch,
    /// The touch at which the first buyer becomes a lead (a form, a lead
    /// form ad, a sales call or an event registration).
    Lead,
    /// The meeting at which the deal is signed (or declined).
    Closing,
    /// A check-in on the shared conference kiosk.
    Kiosk,
}

#[derive(Debug, Clone, Copy)]
pub struct Episode {
    /// Position in the journey, 0..1: orders episodes and decides what kind
    /// of touch fits (sales later, blog posts earlier).
    pub key: f64,
    pub channel: Channel,
    pub step: Step,
    pub at: i64,
}

/// Sum of two uniforms in 0..1: a triangular spread around the mean.
fn spread(r: &mut Rng, mean: f64, low: f64) -> f64 {
    mean * (low + (1.0 - low) * (r.unit() + r.unit()))
}

impl Plan {
    pub fn draw(r: &mut Rng, firm: &Firm) -> Plan {
        let p_opportunity = 0.04 + 0.4 * firm.fit * firm.fit;
        let outcome = if r.chance(p_opportunity) {
            let u = r.unit();
            if u < 0.18 {
                Outcome::Open
            } else if u < 0.18 + 0.82 * (0.3 + 0.45 * firm.fit) {
                Outcome::Won
            } else {
                Outcome::Lost
            }
        } else if r.chance(0.6) {
            Outcome::Engaged
        } else {
            Outcome::Cold
        };
        let (days, touches) = match outcome {
            Outcome::Won => (spread(r, 190.0, 0.35), spread(r, 31.0, 0.55)),
            Outcome::Lost => (spread(r, 150.0, 0.35), spread(r, 24.0, 0.5)),
            Outcome::Open => {
                let days = r.between(40, 300) as f64;
                (days, days / 190.0 * spread(r, 31.0, 0.55))
            }
            Outcome::Engaged => (r.unit().powi(2) * 300.0 + 1.0, 1.0 + r.exp(9.0)),
            Outcome::Cold => (0.0, 0.0),
        };
        let span = (days * DAY as f64) as i64;
        let (start, end) = match outcome {
            Outcome::Open => {
                let end = WINDOW_END - r.between(HOUR, 20 * DAY);
                (end - span, end)
            }
            Outcome::Cold => (WINDOW_START, WINDOW_START),
            _ => {
                // Leave room after the close for the customer's first weeks.
                let latest = WINDOW_END - span - 30 * DAY;
                let start = r.between(WINDOW_START + DAY, latest.max(WINDOW_START + DAY));
                let start = time::working_hours(r, start);
                (start, start + span)
            }
        };
        let has_opportunity = matches!(outcome, Outcome::Won | Outcome::Lost | Outcome::Open);
        let mut channels = vec![*r.weighted(&ACQUISITION)];
        let extra = match outcome {
            Outcome::Cold => 0,
            Outcome::Engaged => *r.weighted(&[(0, 50), (1, 35), (2, 15)]),
            _ => *r.weighted(&[(0, 22), (1, 48), (2, 24), (3, 6)]),
        };
        // An opportunity means sales calls and meetings.
        if has_opportunity && channels[0] != Channel::Sales {
            channels.push(Channel::Sales);
        }
        while channels.len() < 1 + usize::from(has_opportunity) + extra {
            let ch = *r.weighted(&FOLLOW_UP);
            if !channels.contains(&ch) {
                channels.push(ch);
            }
        }
        let mql = has_opportunity || (outcome == Outcome::Engaged && r.chance(0.35));
        let sql = has_opportunity || (mql && r.chance(0.3));
        let people = match outcome {
            Outcome::Won => (2.0 + touches / 12.0 + r.unit() * 2.0) as usize,
            Outcome::Lost | Outcome::Open => r.between(2, 4) as usize,
            Outcome::Engaged => r.between(1, 2) as usize,
            Outcome::Cold => 0,
        };
        let size_contacts = match firm.employees {
            ..50 => r.between(2, 3),
            50..500 => r.between(2, 5),
            500..5000 => r.between(3, 7),
            _ => r.between(4, 8),
        } as usize;
        let contacts = if outcome == Outcome::Cold {
            r.between(1, 4) as usize
        } else {
            size_contacts.max(people).min(8)
        };
        Plan {
            outcome,
            start,
            end,
            touches,
            channels,
            lead_key: 0.05 + 0.3 * r.unit(),
            people: people.min(contacts),
            contacts,
            mql,
            sql,
        }
    }

    pub fn closes(&self) -> bool {
        matches!(self.outcome, Outcome::Won | Outcome::Lost)
    }

    /// The journey's episodes in time order: the first in the acquisition
    /// channel, every planned channel at least once, sales weighted towards
    /// the end, email only once there is a lead to send to.
    pub fn episodes(&self, r: &mut Rng, kiosk: bool) -> Vec<Episode> {
        if self.outcome == Outcome::Cold {
            return Vec::new();
        }
        let first = Episode {
            key: 0.0,
            channel: self.channels[0],
            step: Step::Touch,
            at: self.start,
        };
        let mut eps = vec![first];
        let mut expected = first.channel.expected_touches();
        if self.closes() {
            eps.push(Episode {
                key: 1.0,
                channel: Channel::Sales,
                step: Step::Closing,
                at: self.end,
            });
            expected += 1.0;
        }
        if kiosk {
            eps.push(Episode {
                key: r.unit(),
                channel: Channel::Direct,
                step: Step::Kiosk,
                at: 0,
            });
            expected += 1.0;
        }
        let middle = |r: &mut Rng, ch: Channel| {
            let key = match ch {
                Channel::Sales => 0.25 + 0.75 * r.unit().sqrt(),
                Channel::Email => self.lead_key + (1.0 - self.lead_key) * r.unit(),
                _ => r.unit(),
            };
            Episode {
                key: key.clamp(0.001, 0.999),
                channel: ch,
                step: Step::Touch,
                at: 0,
            }
        };
        // Make sure every planned channel appears, then fill up to the target.
        for ch in self.channels.iter().skip(1) {
            if !eps.iter().any(|e| e.channel == *ch) {
                eps.push(middle(r, *ch));
                expected += ch.expected_touches();
            }
        }
        // Stop at the episode that lands nearest the target (no systematic
        // overshoot).
        loop {
            let ch = *r.pick(&self.channels);
            if expected + ch.expected_touches() / 2.0 >= self.touches {
                break;
            }
            eps.push(middle(r, ch));
            expected += ch.expected_touches();
        }
        self.mark_lead(r, &mut eps);
        eps.sort_by(|a, b| a.key.total_cmp(&b.key));
        self.assign_times(r, &mut eps);
        eps
    }

    /// The lead is created at the first episode past `lead_key` that can
    /// create one (not an email: that needs an address to go to); emails
    /// move after it.
    fn mark_lead(&self, r: &mut Rng, eps: &mut [Episode]) {
        let can = |e: &Episode| e.channel != Channel::Email && e.step != Step::Kiosk;
        let by_key = |a: &(usize, &Episode), b: &(usize, &Episode)| a.1.key.total_cmp(&b.1.key);
        let lead = eps
            .iter()
            .enumerate()
            .filter(|(_, e)| can(e) && e.key >= self.lead_key)
            .min_by(by_key)
            .or_else(|| {
                eps.iter()
                    .enumerate()
                    .filter(|(_, e)| can(e))
                    .max_by(by_key)
            })
            .map(|(i, _)| i);
        let Some(i) = lead else {
            return;
        };
        let lead_key = eps[i].key;
        if eps[i].step == Step::Touch {
            eps[i].step = Step::Lead;
        }
        for e in eps.iter_mut() {
            if e.channel == Channel::Email && e.key <= lead_key {
                e.key = (lead_key + (1.0 - lead_key) * r.unit())
                    .max(lead_key + 1e-9)
                    .min(0.999_999);
            }
        }
    }

    /// Times in bursts (a week of evaluation, then quiet) rather than evenly
    /// spread, sorted and matched to the episodes in key order.
    fn assign_times(&self, r: &mut Rng, eps: &mut [Episode]) {
        let span = (self.end - self.start).max(DAY);
        let bursts: Vec<i64> = (0..2 + eps.len() / 5)
            .map(|_| self.start + (r.unit() * span as f64) as i64)
            .collect();
        let n_middle = eps
            .iter()
            .filter(|e| e.key > 0.0 && e.step != Step::Closing)
            .count();
        let mut times: Vec<i64> = (0..n_middle)
            .map(|_| {
                let t = if r.chance(0.3) {
                    self.start + (r.unit() * span as f64) as i64
                } else {
                    let offset = (r.unit() + r.unit() + r.unit() - 1.5) * 4.0 * DAY as f64;
                    r.pick(&bursts) + offset as i64
                };
                let t = time::working_hours(r, t);
                t.clamp(self.start + HOUR, self.end - 2 * HOUR)
            })
            .collect();
        times.sort_unstable();
        // Keep an hour between episodes, so one device's visits stay separate
        // sessions (30 minutes of inactivity) as planned.
        let mut prev = self.start;
        let mut it = times.into_iter();
        for e in eps.iter_mut() {
            if e.key == 0.0 {
                continue;
            }
            if e.step == Step::Closing {
                e.at = self.end.max(prev + HOUR);
                continue;
            }
            let t = it.next().unwrap_or(prev).max(prev + HOUR);
            e.at = t;
            prev = t;
        }
    }
}
