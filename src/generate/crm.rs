//! The CRM: sales activities, webinars and conferences, and the contact,
//! account and opportunity records.

use super::account::Sim;
use super::channel::Channel;
use super::dirt::{self, BLOCKED_CRM_EMAIL};
use super::names::{CONFERENCES, TOPICS};
use super::people::Role;
use super::plan::Outcome;
use super::rng::Draw;
use super::time::{self, DAY, HOUR, WINDOW_END, WINDOW_START};

impl Sim<'_> {
    /// A CRM activity with `who`; sales and events create the contact if
    /// marketing has not.
    pub fn crm_touch(
        &mut self,
        who: usize,
        at: i64,
        activity: &str,
        channel: Channel,
        campaign: Option<&str>,
    ) {
        self.create(who, at);
        let p = &self.people[who];
        let (r, out) = (&mut self.r, &mut *self.out);
        let dirt = &mut out.tally.dirt;
        let t = &mut out.tables[super::layout::CRM_ACTIVITIES];
        let format = dirt::crm_format(r, dirt);
        t.text(&format!("00T{}", r.token(15)))
            .ts(at, format)
            .text(activity);
        // Event imports often land on the duplicate record.
        let dup_share = if channel == Channel::Events {
            0.5
        } else {
            0.15
        };
        match &p.duplicate_id {
            Some(dup) if r.chance(dup_share) => t.text(dup),
            _ => t.opt(p.contact_id.as_deref()),
        };
        match r.below(100) {
            0..80 => {
                t.text(&p.email);
            }
            80..98 => {
                t.null();
            }
            _ => dirt::write_blocked(r, t, dirt, BLOCKED_CRM_EMAIL),
        }
        if r.chance(0.9) {
            t.text(&self.firm.id);
        } else {
            t.null();
        }
        t.text(channel.name()).opt(campaign);
        t.end();
        if r.chance(dirt::CRM_UNPARSEABLE) {
            dirt.unparseable_timestamps += 1;
            t.text(&format!("00T{}", r.token(15)))
                .text("not a date")
                .text(activity);
            t.opt(p.contact_id.as_deref())
                .text(&p.email)
                .text(&self.firm.id);
            t.text(channel.name()).opt(campaign);
            t.end();
        }
        self.touch(who, at, channel, None);
    }

    /// A webinar attended or a conference booth visit.
    pub fn event_touch(&mut self, who: usize, at: i64) {
        let (y, m, _) = time::civil(at / DAY);
        if self.r.chance(0.6) {
            let topic = TOPICS[(y * 12 + i64::from(m)) as usize % TOPICS.len()];
            let name = format!("webinar-{}-{topic}", time::month_string(at));
            self.crm_touch(who, at, "webinar", Channel::Events, Some(&name));
        } else {
            let (conf, _) = CONFERENCES[((m - 1) / 3) as usize];
            let name = format!("conf-{conf}-{y}");
            self.crm_touch(who, at, "conference", Channel::Events, Some(&name));
        }
    }

    pub fn write_contacts(&mut self) {
        let account_id = self.firm.id.clone();
        let (mut mql, mut sql, mut people) = (0, 0, 0);
        let (r, out) = (&mut self.r, &mut *self.out);
        let dirt = &mut out.tally.dirt;
        let t = &mut out.tables[super::layout::CONTACTS];
        for p in &self.people {
            let (Some(id), Some(created)) = (&p.contact_id, p.created_at) else {
                continue;
            };
            people += 1;
            mql += u64::from(p.mql_at.is_some());
            sql += u64::from(p.sql_at.is_some());
            if p.free_mail {
                dirt.free_mail_contacts += 1;
            }
            let email = dirt::typed_email(r, dirt, &p.email, 0.08, 0.015);
            let seniority = if r.chance(0.05) { "" } else { p.seniority };
            t.text(id)
                .text(&email)
                .text(&account_id)
                .ts(created, time::Format::Space);
            t.opt_ts(p.mql_at)
                .opt_ts(p.sql_at)
                .text(p.title)
                .text(seniority);
            t.end();
            if let Some(dup) = &p.duplicate_id {
                // The same person again: another import, the email in other case.
                dirt.duplicate_contacts += 1;
                let email = dirt::case_variant(r, &p.email);
                let later = (created + r.between(DAY, 200 * DAY)).min(WINDOW_END - HOUR);
                let title = if r.chance(0.5) { p.title } else { "" };
                t.text(dup)
                    .text(&email)
                    .text(&account_id)
                    .ts(later, time::Format::Space);
                t.null().null().text(title).null();
                t.end();
            }
        }
        let tally = &mut self.out.tally;
        tally.contacts_mql += mql;
        tally.contacts_sql += sql;
        tally.people.crm_people += people;
    }

    pub fn write_account(&mut self) {
        // Imported from a target list, or created with its first lead.
        let first_contact = self.people.iter().filter_map(|p| p.created_at).min();
        let created = match first_contact {
            Some(c) if self.r.chance(0.7) => c - self.r.between(0, 3 * HOUR),
            _ => WINDOW_START - self.r.between(30 * DAY, 400 * DAY),
        };
        let created = created.min(first_contact.unwrap_or(created));
        let f = &self.firm;
        let (r, out) = (&mut self.r, &mut *self.out);
        let dirt = &mut out.tally.dirt;
        let domain = if r.chance(dirt::MESSY_DOMAIN) {
            dirt.messy_domains += 1;
            if r.chance(0.5) {
                format!("www.{}", f.domain)
            } else {
                dirt::case_variant(r, &f.domain)
            }
        } else {
            f.domain.clone()
        };
        let t = &mut out.tables[super::layout::ACCOUNTS];
        t.text(&f.id).text(&f.name).text(&domain).text(f.industry);
        t.int(f.employees).int(f.revenue).text(f.country);
        t.ts(created, time::Format::Space);
        t.end();
    }

    pub fn write_opportunity(&mut self) {
        let Some(opened) = self.opportunity_at else {
            return;
        };
        let f = &self.firm;
        // Deal size grows with the company: ~$6k to ~$400k a year.
        let amount = (f.employees as f64 * 60.0 * (0.5 + self.r.unit())).clamp(6_000.0, 400_000.0);
        let amount_cents = (amount / 500.0).round() as i64 * 500 * 100;
        let primary = self.people.first().and_then(|p| p.contact_id.clone());
        let (closed, won) = match self.plan.outcome {
            Outcome::Won => (self.close_at, Some("true")),
            Outcome::Lost => (self.close_at, Some("false")),
            _ => (None, None),
        };
        let id = format!("O{:06}", f.index);
        let account = f.id.clone();
        let t = &mut self.out.tables[super::layout::OPPORTUNITIES];
        t.text(&id).text(&account).ts(opened, time::Format::Space);
        t.opt_ts(closed)
            .opt(won)
            .money(amount_cents)
            .opt(primary.as_deref());
        t.end();
        if self.plan.outcome == Outcome::Won {
            self.out.tally.won_amount_cents += amount_cents;
        }
    }

    /// People of the account who never identify themselves.
    pub fn lurkers(&mut self) {
        if matches!(self.plan.outcome, Outcome::Cold) {
            return;
        }
        let n = self.r.between(0, 2);
        self.out.tally.people.lurkers += n as u64;
        for _ in 0..n {
            let domain = self.firm.domain.clone();
            let p = super::people::Person::draw(
                &mut self.r,
                Role::Lurker,
                &domain,
                self.plan.outcome,
                false,
            );
            self.people.push(p);
            let who = self.people.len() - 1;
            let sessions = 1 + self.r.extra(1.5);
            let (start, end) = (self.plan.start, self.close_at.unwrap_or(self.plan.end));
            for _ in 0..sessions {
                let day = self.r.between(start, end.max(start + 1));
                let at = time::working_hours(&mut self.r, day);
                let channel = *self.r.pick(&[
                    Channel::Direct,
                    Channel::OrganicSearch,
                    Channel::OrganicSocial,
                    Channel::Referral,
                ]);
                let key = self.r.unit();
                self.anonymous_visit(who, at, channel, key);
            }
        }
    }
}
