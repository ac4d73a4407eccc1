//! The source kinds of the journey package and their standard columns
//! (BRIEF.md). A source maps these names to its own columns.

#[derive(Debug)]
pub struct Kind {
    pub name: &'static str,
    pub required: &'static [&'static str],
    pub optional: &'static [&'static str],
}

pub const KINDS: &[Kind] = &[
    Kind {
        name: "web_events",
        required: &["occurred_at", "anonymous_id"],
        optional: &[
            "event_id",
            "user_id",
            "email",
            "event_type",
            "event_name",
            "url",
            "referrer",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_content",
            "utm_term",
            "gclid",
        ],
    },
    Kind {
        name: "ad_clicks",
        required: &["occurred_at", "platform"],
        optional: &[
            "click_id",
            "campaign",
            "ad_group",
            "anonymous_id",
            "email",
            "gclid",
            "cost",
        ],
    },
    Kind {
        name: "ad_spend",
        required: &["date", "platform", "cost"],
        optional: &["campaign", "impressions", "clicks"],
    },
    Kind {
        name: "email_events",
        required: &["occurred_at", "email", "event_type"],
        optional: &["event_id", "campaign"],
    },
    Kind {
        name: "crm_activities",
        required: &["occurred_at", "activity_type"],
        optional: &[
            "activity_id",
            "contact_id",
            "email",
            "account_id",
            "channel",
            "campaign",
        ],
    },
    Kind {
        name: "contacts",
        required: &["contact_id"],
        optional: &[
            "email",
            "account_id",
            "created_at",
            "mql_at",
            "sql_at",
            "job_title",
            "seniority",
        ],
    },
    Kind {
        name: "accounts",
        required: &["account_id"],
        optional: &[
            "name",
            "domain",
            "industry",
            "employee_count",
            "annual_revenue",
            "country",
            "created_at",
        ],
    },
    Kind {
        name: "opportunities",
        required: &["opportunity_id", "account_id", "created_at"],
        optional: &["closed_at", "is_won", "amount", "primary_contact_id"],
    },
];

pub fn find(name: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.name == name)
}

impl Kind {
    pub fn knows(&self, column: &str) -> bool {
        self.required.contains(&column) || self.optional.contains(&column)
    }

    pub fn all_columns(&self) -> impl Iterator<Item = &'static str> {
        self.required.iter().chain(self.optional.iter()).copied()
    }
}
