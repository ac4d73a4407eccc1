//! Dirt, the way real source data has it, each kind at a small known rate and
//! counted in the tally. Dirt never hides a real touch: it adds junk rows or
//! spells a value differently, so the journey truth holds after cleaning.

use super::rng::{Draw, Rng};
use super::table::Table;
use super::time::Format;
use super::truth::Dirt;

/// Placeholders systems write where an identifier is unknown.
pub const BLOCKED: [&str; 5] = [
    "",
    "unknown",
    "-1",
    "null",
    "00000000-0000-0000-0000-000000000000",
];

/// Columns blocked values are written to (indexes of Dirt::blocked).
pub const BLOCKED_COLUMNS: [&str; 4] = [
    "web_events.user_id",
    "web_events.anonymous_id",
    "ad_clicks.email",
    "crm_activities.email",
];
pub const BLOCKED_WEB_USER: usize = 0;
pub const BLOCKED_WEB_ANONYMOUS: usize = 1;
pub const BLOCKED_AD_EMAIL: usize = 2;
pub const BLOCKED_CRM_EMAIL: usize = 3;

/// Rates, per row of the file concerned.
pub const WEB_BLOCKED_USER: f64 = 0.03;
pub const WEB_EXACT_DUPLICATE: f64 = 0.004;
pub const WEB_NULL_KEYS: f64 = 0.0025;
pub const WEB_BLOCKED_ANONYMOUS: f64 = 0.001;
pub const WEB_UNPARSEABLE: f64 = 0.0003;
pub const WEB_MIXED_CASE_TYPE: f64 = 0.015;
pub const CRM_UNPARSEABLE: f64 = 0.003;
pub const EMAIL_NULL_KEY: f64 = 0.002;
pub const PLATFORM_MIXED_CASE: f64 = 0.08;
pub const UTM_MIXED_CASE: f64 = 0.03;
pub const ORPHAN_AD_CLICK: f64 = 0.04;
/// Per contact.
pub const FREE_MAIL_CONTACT: f64 = 0.06;
pub const DUPLICATE_CONTACT: f64 = 0.04;
pub const MESSY_DOMAIN: f64 = 0.04;

/// Write a blocked placeholder into `column` and count it.
pub fn write_blocked(r: &mut Rng, t: &mut Table, dirt: &mut Dirt, column: usize) {
    let i = r.below(BLOCKED.len());
    dirt.blocked[column][i] += 1;
    if BLOCKED[i].is_empty() {
        t.empty_string();
    } else {
        t.text(BLOCKED[i]);
    }
}

/// Web events' timestamps: mostly one spelling, some others.
pub fn web_format(r: &mut Rng, dirt: &mut Dirt) -> Format {
    let (i, f) = match r.below(1000) {
        0..940 => (0, Format::Space),
        940..965 => (1, Format::T),
        965..985 => (2, Format::Z),
        _ => (3, Format::Millis(r.below(1000) as u16)),
    };
    dirt.web_timestamp_formats[i] += 1;
    f
}

/// CRM activities' timestamps.
pub fn crm_format(r: &mut Rng, dirt: &mut Dirt) -> Format {
    let (i, f) = match r.below(100) {
        0..96 => (0, Format::Space),
        96..98 => (1, Format::T),
        _ => (2, Format::Z),
    };
    dirt.crm_timestamp_formats[i] += 1;
    f
}

/// An email as someone typed it: sometimes capitalised, sometimes with
/// stray spaces.
pub fn typed_email(
    r: &mut Rng,
    dirt: &mut Dirt,
    email: &str,
    mixed_case: f64,
    padded: f64,
) -> String {
    let mut s = if r.chance(mixed_case) {
        dirt.mixed_case_emails += 1;
        case_variant(r, email)
    } else {
        email.to_owned()
    };
    if r.chance(padded) {
        dirt.padded_emails += 1;
        s = if r.chance(0.5) {
            format!(" {s}")
        } else {
            format!("{s} ")
        };
    }
    s
}

/// The same text in different case: `John.Smith@Acme.com` or all capitals.
pub fn case_variant(r: &mut Rng, s: &str) -> String {
    if r.chance(0.2) {
        return s.to_uppercase();
    }
    let mut out = String::with_capacity(s.len());
    let mut up = true;
    for c in s.chars() {
        out.push(if up { c.to_ascii_uppercase() } else { c });
        up = matches!(c, '.' | '@' | '_');
    }
    if out == s { s.to_uppercase() } else { out }
}

/// `page` as `Page` or `PAGE`.
pub fn mixed_case(r: &mut Rng, s: &str) -> String {
    if r.chance(0.5) {
        s.to_uppercase()
    } else {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
            .unwrap_or_default()
    }
}
