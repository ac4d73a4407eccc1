//! The people in the data: an account's buyers and other contacts, its
//! anonymous visitors, and background visitors who belong to no account.

use super::names::{FIRST_NAMES, FREE_MAIL, LAST_NAMES, SENIORITIES};
use super::plan::Outcome;
use super::rng::{Draw, Rng};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Takes part in the account's journey; ends up a CRM contact.
    Buyer,
    /// A CRM contact (imported or added by sales) who never touches.
    CrmOnly,
    /// Someone at the account who browses but never identifies.
    Lurker,
    /// A visitor who belongs to no account (blog readers, job seekers).
    Visitor,
}

/// A browser. Trackers persist what a form or login told them, so once a
/// device is identified its later rows carry the email (and user id).
#[derive(Debug, Clone)]
pub struct Device {
    pub anonymous_id: String,
    pub email: Option<String>,
    pub user_id: Option<String>,
    /// Wrote at least one row (for the device count in truth.json).
    pub used: bool,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub role: Role,
    /// Canonical (lower-case) address, at the company's domain or free mail.
    pub email: String,
    pub free_mail: bool,
    pub contact_id: Option<String>,
    /// A second CRM record of the same person (a merged-badly import).
    pub duplicate_id: Option<String>,
    pub title: &'static str,
    pub seniority: &'static str,
    pub devices: Vec<Device>,
    pub user_id: Option<String>,
    /// When in the journey (0..1) this buyer joins in.
    pub join_key: f64,
    pub created_at: Option<i64>,
    pub mql_at: Option<i64>,
    pub sql_at: Option<i64>,
    /// Their address is dead: the first newsletter bounces.
    pub bounces: bool,
}

fn slug(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl Person {
    pub fn draw(
        r: &mut Rng,
        role: Role,
        domain: &str,
        outcome: Outcome,
        free_mail: bool,
    ) -> Person {
        let first = slug(r.one(&FIRST_NAMES));
        let last = slug(r.one(&LAST_NAMES));
        let local = match r.below(10) {
            0..6 => format!("{first}.{last}"),
            6..8 => format!("{}{last}", &first[..1]),
            8 => first.clone(),
            _ => format!("{first}_{last}"),
        };
        let email = if free_mail {
            format!("{local}{}@{}", r.below(100), r.pick(&FREE_MAIL))
        } else {
            format!("{local}@{domain}")
        };
        // Deals are won with directors and VPs in the room.
        let seniority_weights: [(usize, u32); 5] = if outcome == Outcome::Won && role == Role::Buyer
        {
            [(0, 8), (1, 22), (2, 30), (3, 25), (4, 15)]
        } else {
            [(0, 4), (1, 8), (2, 18), (3, 30), (4, 40)]
        };
        let (seniority, titles) = &SENIORITIES[*r.weighted(&seniority_weights)];
        let mut devices = vec![Device {
            anonymous_id: r.uuid(),
            email: None,
            user_id: None,
            used: false,
        }];
        if role == Role::Buyer && r.chance(0.3) {
            devices.push(Device {
                anonymous_id: r.uuid(),
                email: None,
                user_id: None,
                used: false,
            });
        }
        Person {
            role,
            email,
            free_mail,
            contact_id: None,
            duplicate_id: None,
            title: r.one(titles),
            seniority,
            devices,
            user_id: None,
            join_key: 0.0,
            created_at: None,
            mql_at: None,
            sql_at: None,
            bounces: r.chance(0.015),
        }
    }
}
