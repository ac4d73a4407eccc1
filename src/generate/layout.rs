//! The files `jmap generate` writes: their own column layout (as the source
//! systems export them) and how each column maps to jmap's standard names.
//! Headers and the journey.yaml `sources:` block both come from this table,
//! so they cannot drift apart.

pub struct Layout {
    pub file: &'static str,
    pub group: &'static str,
    pub table: &'static str,
    pub kind: &'static str,
    pub description: &'static str,
    /// (the file's column, jmap's standard column)
    pub columns: &'static [(&'static str, &'static str)],
}

pub const WEB_EVENTS: usize = 0;
pub const AD_CLICKS: usize = 1;
pub const AD_SPEND: usize = 2;
pub const EMAIL_EVENTS: usize = 3;
pub const CRM_ACTIVITIES: usize = 4;
pub const CONTACTS: usize = 5;
pub const ACCOUNTS: usize = 6;
pub const OPPORTUNITIES: usize = 7;

pub const LAYOUTS: [Layout; 8] = [
    Layout {
        file: "web_events.csv",
        group: "web",
        table: "events",
        kind: "web_events",
        description: "Website page views, tracks and form submits (a Segment-like export)",
        columns: &[
            ("id", "event_id"),
            ("timestamp", "occurred_at"),
            ("anonymous_id", "anonymous_id"),
            ("user_id", "user_id"),
            ("email", "email"),
            ("type", "event_type"),
            ("event", "event_name"),
            ("url", "url"),
            ("referrer", "referrer"),
            ("utm_source", "utm_source"),
            ("utm_medium", "utm_medium"),
            ("utm_campaign", "utm_campaign"),
            ("utm_content", "utm_content"),
            ("utm_term", "utm_term"),
            ("gclid", "gclid"),
        ],
    },
    Layout {
        file: "ad_clicks.csv",
        group: "ads",
        table: "clicks",
        kind: "ad_clicks",
        description: "Ad clicks (Google click report, LinkedIn and Facebook lead forms)",
        columns: &[
            ("click_id", "click_id"),
            ("clicked_at", "occurred_at"),
            ("platform", "platform"),
            ("campaign", "campaign"),
            ("ad_group", "ad_group"),
            ("anonymous_id", "anonymous_id"),
            ("email", "email"),
            ("gclid", "gclid"),
            ("cost", "cost"),
        ],
    },
    Layout {
        file: "ad_spend.csv",
        group: "ads",
        table: "spend",
        kind: "ad_spend",
        description: "Daily spend per ad campaign",
        columns: &[
            ("date", "date"),
            ("platform", "platform"),
            ("campaign", "campaign"),
            ("cost", "cost"),
            ("impressions", "impressions"),
            ("clicks", "clicks"),
        ],
    },
    Layout {
        file: "email_events.csv",
        group: "email",
        table: "events",
        kind: "email_events",
        description: "Marketing email sends, opens, clicks, bounces and unsubscribes",
        columns: &[
            ("event_id", "event_id"),
            ("occurred_at", "occurred_at"),
            ("email", "email"),
            ("event_type", "event_type"),
            ("campaign", "campaign"),
        ],
    },
    Layout {
        file: "crm_activities.csv",
        group: "crm",
        table: "activities",
        kind: "crm_activities",
        description: "Sales calls, meetings, emails and demos; webinars and conferences",
        columns: &[
            ("activity_id", "activity_id"),
            ("occurred_at", "occurred_at"),
            ("activity_type", "activity_type"),
            ("contact_id", "contact_id"),
            ("email", "email"),
            ("account_id", "account_id"),
            ("channel", "channel"),
            ("campaign", "campaign"),
        ],
    },
    Layout {
        file: "contacts.csv",
        group: "crm",
        table: "contacts",
        kind: "contacts",
        description: "CRM contacts with lifecycle dates",
        columns: &[
            ("contact_id", "contact_id"),
            ("email", "email"),
            ("account_id", "account_id"),
            ("created_at", "created_at"),
            ("mql_at", "mql_at"),
            ("sql_at", "sql_at"),
            ("job_title", "job_title"),
            ("seniority", "seniority"),
        ],
    },
    Layout {
        file: "accounts.csv",
        group: "crm",
        table: "accounts",
        kind: "accounts",
        description: "CRM accounts (companies) with firmographics",
        columns: &[
            ("account_id", "account_id"),
            ("name", "name"),
            ("domain", "domain"),
            ("industry", "industry"),
            ("employee_count", "employee_count"),
            ("annual_revenue", "annual_revenue"),
            ("country", "country"),
            ("created_at", "created_at"),
        ],
    },
    Layout {
        file: "opportunities.csv",
        group: "crm",
        table: "opportunities",
        kind: "opportunities",
        description: "Sales opportunities, open, won and lost",
        columns: &[
            ("opportunity_id", "opportunity_id"),
            ("account_id", "account_id"),
            ("created_at", "created_at"),
            ("closed_at", "closed_at"),
            ("is_won", "is_won"),
            ("amount", "amount"),
            ("primary_contact_id", "primary_contact_id"),
        ],
    },
];

impl Layout {
    pub fn header(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|(own, _)| *own).collect();
        format!("{}\n", names.join(","))
    }
}

/// The journey.yaml `sources:` block declaring every generated file, with its
/// kind and the mapping from standard column names to the file's own, with
/// paths under `dir` (relative to the project, e.g. `fixtures`).
pub fn sources_yaml(dir: &str) -> String {
    let dir = dir.trim_end_matches('/');
    let mut out = String::from("sources:\n");
    let mut group = "";
    for layout in &LAYOUTS {
        if layout.group != group {
            group = layout.group;
            out.push_str(&format!("  {group}:\n    tables:\n"));
        }
        let path = if dir.is_empty() {
            layout.file.to_owned()
        } else {
            format!("{dir}/{}", layout.file)
        };
        out.push_str(&format!(
            "      {}:\n        description: {}\n        kind: {}\n        path: {}\n        columns:\n",
            layout.table,
            layout.description,
            layout.kind,
            yaml_scalar(&path)
        ));
        for (own, standard) in layout.columns {
            out.push_str(&format!("          {standard}: {own}\n"));
        }
    }
    out
}

/// `s` as a YAML scalar: plain when that is safe, else single-quoted.
fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-'))
        && !s.starts_with('-');
    if plain {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}
