//! Web visits: a landing page carrying the visit's source, more pages minutes
//! apart, and forms or logins partway through that identify the browser.

use super::account::{Dev, Sim};
use super::channel::Channel;
use super::dirt::{self, BLOCKED_WEB_ANONYMOUS, BLOCKED_WEB_USER};
use super::names::SITE;
use super::people::Device;
use super::rng::{Draw, Rng};
use super::site::{self, Page};
use super::table::Table;
use super::time::MINUTE;
use super::truth::Dirt;

pub struct Visit {
    pub channel: Channel,
    /// Position in the journey (0..1), for which pages are read.
    pub key: f64,
    /// A form submitted partway through: (path, event name).
    pub form: Option<(&'static str, &'static str)>,
    /// The visitor signs up for a trial at the end (and so logs in).
    pub signup: bool,
    /// Arrived from a link in this email campaign.
    pub email_campaign: Option<String>,
}

pub struct VisitEnd {
    pub last: i64,
    /// When the form was submitted, if one was.
    pub form_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Utm {
    pub source: String,
    pub medium: String,
    pub campaign: Option<String>,
    pub content: Option<&'static str>,
    pub term: Option<&'static str>,
}

/// Where a visit came from, as the landing page row records it.
pub struct Landing {
    pub page: Page,
    /// Appended to the landing URL (`?utm_source=...`), or empty.
    pub query: String,
    pub referrer: Option<String>,
    pub utm: Option<Utm>,
    pub gclid: Option<String>,
}

/// One row of web_events.
pub struct Hit<'h> {
    pub at: i64,
    pub kind: &'static str,
    pub event: &'h str,
    pub url: &'h str,
    pub referrer: Option<&'h str>,
    pub utm: Option<&'h Utm>,
    pub gclid: Option<&'h str>,
}

/// What a web row is: a real event, or junk added next to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Real,
    /// No anonymous_id and no user_id (a server-side event lost its ids).
    NullKeys,
    /// A placeholder anonymous_id (a bot, a broken tracker).
    BlockedAnonymous,
    /// A timestamp no database can read.
    Unparseable,
}

impl Utm {
    /// utm_source and utm_medium, sometimes spelt in mixed case.
    pub fn new(r: &mut Rng, dirt: &mut Dirt, source: &str, medium: &str) -> Utm {
        let (source, medium) = if r.chance(dirt::UTM_MIXED_CASE) {
            dirt.mixed_case_utm += 1;
            (dirt::mixed_case(r, source), dirt::mixed_case(r, medium))
        } else {
            (source.to_owned(), medium.to_owned())
        };
        Utm {
            source,
            medium,
            campaign: None,
            content: None,
            term: None,
        }
    }

    /// The query string a link carrying these parameters has.
    pub fn query(&self) -> String {
        let mut q = format!("?utm_source={}&utm_medium={}", self.source, self.medium);
        if let Some(c) = &self.campaign {
            q.push_str(&format!("&utm_campaign={c}"));
        }
        if let Some(c) = self.content {
            q.push_str(&format!("&utm_content={c}"));
        }
        if let Some(t) = self.term {
            q.push_str(&format!("&utm_term={}", t.replace(' ', "+")));
        }
        q
    }
}

fn organic_referrer(r: &mut Rng, channel: Channel) -> Option<String> {
    let host = match channel {
        Channel::OrganicSearch => *r.weighted(&[
            ("https://www.google.com/", 70),
            ("https://www.bing.com/", 20),
            ("https://duckduckgo.com/", 6),
            ("https://www.ecosia.org/", 4),
        ]),
        Channel::OrganicSocial => *r.weighted(&[
            ("https://www.linkedin.com/", 50),
            ("https://t.co/", 20),
            ("https://www.facebook.com/", 15),
            ("https://www.reddit.com/", 15),
        ]),
        Channel::Referral => *r.weighted(&[
            ("https://www.g2.com/products/lumora/reviews", 35),
            ("https://www.capterra.com/p/lumora/", 25),
            // GA4 counts medium.com and news.ycombinator.com as social, so
            // the referral hosts are review and partner sites only.
            ("https://www.trustradius.com/products/lumora/reviews", 15),
            ("https://www.getapp.com/marketing-software/a/lumora/", 10),
            ("https://partners.hubspot.com/lumora", 15),
        ]),
        _ => return None,
    };
    Some(host.to_owned())
}

impl Sim<'_> {
    pub fn device(&self, who: usize, dev: Dev) -> &Device {
        match dev {
            Dev::Own(d) => &self.people[who].devices[d],
            Dev::Kiosk => &self.kiosk,
        }
    }

    fn device_mut(&mut self, who: usize, dev: Dev) -> &mut Device {
        match dev {
            Dev::Own(d) => &mut self.people[who].devices[d],
            Dev::Kiosk => &mut self.kiosk,
        }
    }

    /// The landing of a visit in `channel` (paid ones also get their click).
    fn landing(&mut self, who: usize, dev: Dev, at: i64, v: &Visit) -> Landing {
        let page = site::landing(&mut self.r, v.channel, v.key);
        match v.channel {
            Channel::PaidSearch | Channel::PaidSocial | Channel::Display | Channel::PaidVideo => {
                self.paid_landing(who, dev, at, v.channel, page)
            }
            Channel::Email => {
                let dirt = &mut self.out.tally.dirt;
                let mut utm = Utm::new(&mut self.r, dirt, "hubspot", "email");
                utm.campaign = v.email_campaign.clone();
                Landing {
                    page,
                    query: utm.query(),
                    referrer: None,
                    utm: Some(utm),
                    gclid: None,
                }
            }
            ch => Landing {
                page,
                query: String::new(),
                referrer: organic_referrer(&mut self.r, ch),
                utm: None,
                gclid: None,
            },
        }
    }

    /// Emit a visit; returns when it ended and when its form was sent.
    pub fn visit(&mut self, who: usize, dev: Dev, at: i64, v: &Visit) -> VisitEnd {
        let landing = self.landing(who, dev, at, v);
        let pages = 1 + self.r.extra(1.2).min(10);
        let form_after = v.form.map(|_| self.r.between(1, i64::from(pages)) as u32);
        let mut t = at;
        let mut form_at = None;
        let mut prev_url = String::new();
        for i in 0..pages {
            let (path, name) = if i == 0 {
                landing.page.clone()
            } else {
                site::next_page(&mut self.r, v.key)
            };
            let url = if i == 0 {
                format!("{SITE}{path}{}", landing.query)
            } else {
                format!("{SITE}{path}")
            };
            let first = i == 0;
            self.hit(
                who,
                dev,
                &Hit {
                    at: t,
                    kind: "page",
                    event: name,
                    url: &url,
                    referrer: if first {
                        landing.referrer.as_deref()
                    } else {
                        Some(&prev_url)
                    },
                    utm: if first { landing.utm.as_ref() } else { None },
                    gclid: if first {
                        landing.gclid.as_deref()
                    } else {
                        None
                    },
                },
            );
            if first {
                // A visit is one marketing touch, however many pages it has.
                self.touch(who, at, v.channel, Some(dev));
            }
            if form_after == Some(i + 1)
                && let Some((form_path, event)) = v.form
            {
                t += self.r.between(30, 120);
                self.identify(who, dev);
                self.simple_hit(who, dev, t, "form_submit", event, form_path);
                form_at = Some(t);
            }
            if self.r.chance(0.08) {
                t += self.r.between(20, 200);
                self.simple_hit(who, dev, t, "track", "Video Played", &path);
            }
            prev_url = url;
            t += (self.r.exp(100.0) as i64).clamp(5, 25 * MINUTE);
        }
        if v.signup {
            self.identify(who, dev);
            self.simple_hit(who, dev, t, "form_submit", "Trial Started", "/signup");
            form_at = form_at.or(Some(t));
            t += self.r.between(20, 90);
            self.sign_in(who, dev, t);
        }
        VisitEnd { last: t, form_at }
    }

    /// A form or email link told the tracker who this is.
    pub fn identify(&mut self, who: usize, dev: Dev) {
        let email = self.people[who].email.clone();
        let typed = dirt::typed_email(&mut self.r, &mut self.out.tally.dirt, &email, 0.1, 0.015);
        self.device_mut(who, dev).email = Some(typed);
    }

    /// A login: the person gets a user id if they had none, and this browser
    /// carries it from now on.
    pub fn sign_in(&mut self, who: usize, dev: Dev, at: i64) {
        let user_id = match &self.people[who].user_id {
            Some(u) => u.clone(),
            None => {
                let u = (100_000 + self.firm.index * 20 + who as u64).to_string();
                self.people[who].user_id = Some(u.clone());
                u
            }
        };
        let email = self.people[who].email.clone();
        let d = self.device_mut(who, dev);
        d.user_id = Some(user_id);
        d.email.get_or_insert(email);
        self.simple_hit(who, dev, at, "track", "Signed In", "/login");
    }

    /// A row without campaign fields: a later page, a track or a form.
    pub fn simple_hit(
        &mut self,
        who: usize,
        dev: Dev,
        at: i64,
        kind: &'static str,
        event: &str,
        path: &str,
    ) {
        let url = format!("{SITE}{path}");
        self.hit(
            who,
            dev,
            &Hit {
                at,
                kind,
                event,
                url: &url,
                referrer: None,
                utm: None,
                gclid: None,
            },
        );
    }

    /// Write a web row (plus, now and then, junk next to it).
    pub fn hit(&mut self, who: usize, dev: Dev, h: &Hit) {
        self.device_mut(who, dev).used = true;
        let Sim {
            r,
            out,
            people,
            kiosk,
            ..
        } = self;
        let device = match dev {
            Dev::Own(d) => &people[who].devices[d],
            Dev::Kiosk => &*kiosk,
        };
        let (table, dirt) = (
            &mut out.tables[super::layout::WEB_EVENTS],
            &mut out.tally.dirt,
        );
        write_row(r, table, dirt, device, h, Variant::Real);
        if r.chance(dirt::WEB_EXACT_DUPLICATE) {
            dirt.exact_duplicate_web_rows += 1;
            table.repeat_last();
        }
        if r.chance(dirt::WEB_NULL_KEYS) {
            dirt.null_key_rows += 1;
            write_row(r, table, dirt, device, h, Variant::NullKeys);
        }
        if r.chance(dirt::WEB_BLOCKED_ANONYMOUS) {
            write_row(r, table, dirt, device, h, Variant::BlockedAnonymous);
        }
        if r.chance(dirt::WEB_UNPARSEABLE) {
            dirt.unparseable_timestamps += 1;
            write_row(r, table, dirt, device, h, Variant::Unparseable);
        }
    }

    /// A conference attendee checks in on the booth's kiosk.
    pub fn kiosk_check_in(&mut self, who: usize, at: i64) {
        self.out.tally.dirt.kiosk_check_ins += 1;
        let (kiosk, path) = (Dev::Kiosk, "/events/check-in");
        self.simple_hit(who, kiosk, at, "page", "Event Check-in", path);
        self.touch(who, at, Channel::Direct, Some(kiosk));
        let t = at + self.r.between(40, 180);
        self.identify(who, kiosk);
        self.simple_hit(who, kiosk, t, "form_submit", "Booth Check-in", path);
        self.create(who, t);
    }
}

fn write_row(r: &mut Rng, t: &mut Table, dirt: &mut Dirt, d: &Device, h: &Hit, v: Variant) {
    t.text(&r.uuid());
    if v == Variant::Unparseable {
        t.text("not a date");
    } else {
        let f = dirt::web_format(r, dirt);
        t.ts(h.at, f);
    }
    match v {
        Variant::NullKeys => {
            t.null();
        }
        Variant::BlockedAnonymous => dirt::write_blocked(r, t, dirt, BLOCKED_WEB_ANONYMOUS),
        _ => {
            t.text(&d.anonymous_id);
        }
    }
    match (&d.user_id, v) {
        (_, Variant::NullKeys | Variant::BlockedAnonymous) => {
            t.null();
        }
        (Some(u), _) => {
            t.text(u);
        }
        (None, _) if r.chance(dirt::WEB_BLOCKED_USER) => {
            dirt::write_blocked(r, t, dirt, BLOCKED_WEB_USER)
        }
        (None, _) => {
            t.null();
        }
    }
    // Junk rows carry no identity: they must not look like someone's touch.
    if v == Variant::Real || v == Variant::Unparseable {
        t.opt(d.email.as_deref());
    } else {
        t.null();
    }
    if r.chance(dirt::WEB_MIXED_CASE_TYPE) {
        dirt.mixed_case_event_types += 1;
        t.text(&dirt::mixed_case(r, h.kind));
    } else {
        t.text(h.kind);
    }
    t.text(h.event).text(h.url).opt(h.referrer);
    match h.utm {
        Some(u) => {
            t.text(&u.source)
                .text(&u.medium)
                .opt(u.campaign.as_deref())
                .opt(u.content)
                .opt(u.term);
        }
        None => {
            t.null().null().null().null().null();
        }
    }
    t.opt(h.gclid);
    t.end();
}
