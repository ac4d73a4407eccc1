//! The `journey:` block of journey.yaml: settings of the built-in journey
//! package (sessions, identity, channels, ICP, stages). Defaults that are data
//! (channel rules, host lists, free-mail domains) ship in the package's
//! `models/data/journey_defaults.yml` and are merged in here; templates see the
//! result as `journey`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct JourneyConfig {
    /// Inactivity that ends a session.
    pub session_timeout_minutes: u32,
    /// Incremental models re-process this much of their latest data, so late
    /// events and sessions spanning the boundary come out as in a full rebuild.
    pub incremental_window_hours: u32,
    /// A gap between two touches of an account longer than this is a stall.
    pub stall_days: u32,
    /// Hosts of the company's own site: referrers from them are navigation.
    pub own_domains: Vec<String>,
    pub identity: IdentityConfig,
    /// Added to the built-in free-mail list.
    pub free_mail_domains: Vec<String>,
    /// Added to the built-in list of placeholder identifiers.
    pub blocked_values: Vec<String>,
    pub channels: ChannelsConfig,
    /// Funnel stages in order; each must be a stage jmap knows.
    pub stages: Vec<String>,
    /// Stages that count as conversions for paths and attribution.
    pub conversions: Vec<ConversionConfig>,
    pub attribution: AttributionConfig,
    pub icp: IcpConfig,
}

impl Default for JourneyConfig {
    fn default() -> Self {
        JourneyConfig {
            session_timeout_minutes: 30,
            incremental_window_hours: 3,
            stall_days: 30,
            own_domains: Vec::new(),
            identity: IdentityConfig::default(),
            free_mail_domains: Vec::new(),
            blocked_values: Vec::new(),
            channels: ChannelsConfig::default(),
            stages: STAGES.iter().map(|s| s.to_string()).collect(),
            conversions: vec![
                ConversionConfig {
                    stage: "opportunity".into(),
                    lookback_days: 365,
                },
                ConversionConfig {
                    stage: "closed_won".into(),
                    lookback_days: 365,
                },
            ],
            icp: IcpConfig::default(),
            attribution: AttributionConfig::default(),
        }
    }
}

/// Attribution models and their settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttributionConfig {
    /// Which models to compute (all by default).
    pub models: Vec<String>,
    /// Time decay: a touch this many days before the conversion counts half.
    pub half_life_days: f64,
    /// Markov chain order: states are the last 1, 2 or 3 channels.
    pub markov_order: u32,
    /// How paths are simplified for the data-driven models (markov, shapley):
    /// unique (as is), exposure (repeats in a row collapse), first (first
    /// occurrence of each channel), frequency (first occurrences, with counts).
    pub path_transform: String,
    /// Paths per person instead of per account (B2C).
    pub person_based: bool,
}

impl Default for AttributionConfig {
    fn default() -> Self {
        AttributionConfig {
            models: ATTRIBUTION_MODELS.iter().map(|m| m.to_string()).collect(),
            half_life_days: 7.0,
            markov_order: 1,
            path_transform: "exposure".into(),
            person_based: false,
        }
    }
}

pub const ATTRIBUTION_MODELS: &[&str] = &[
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "position_based",
    "time_decay",
    "u_shaped",
    "w_shaped",
    "full_path",
    "markov",
    "shapley",
];

pub const PATH_TRANSFORMS: &[&str] = &["unique", "exposure", "first", "frequency"];

/// Stages jmap can derive from the sources, in their natural order.
pub const STAGES: &[&str] = &["awareness", "mql", "sql", "opportunity", "closed_won"];

/// A conversion type: a stage, and how far back its path reaches.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConversionConfig {
    pub stage: String,
    #[serde(default = "default_lookback")]
    pub lookback_days: u32,
}

fn default_lookback() -> u32 {
    365
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdentityConfig {
    /// A device seen with more user ids than this is shared (a kiosk, a
    /// family laptop): it is not used to merge people.
    pub max_user_ids_per_device: u32,
    /// Likewise for email addresses.
    pub max_emails_per_device: u32,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            max_user_ids_per_device: 1,
            max_emails_per_device: 2,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChannelsConfig {
    /// Rules evaluated before the built-in ones (first match wins).
    pub rules: Vec<ChannelRule>,
    /// Use only `rules`, not the built-in GA4-style list.
    pub replace_default_rules: bool,
    /// Extra hosts per list (search, social, video, shopping).
    pub hosts: BTreeMap<String, Vec<String>>,
}

/// One channel rule: every condition given must hold.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChannelRule {
    pub channel: String,
    #[serde(default)]
    pub touch_type: Vec<String>,
    #[serde(default)]
    pub source: Vec<String>,
    /// Name of a host list the source must be in.
    #[serde(default)]
    pub source_in: Option<String>,
    #[serde(default)]
    pub source_matches: Option<String>,
    #[serde(default)]
    pub medium: Vec<String>,
    #[serde(default)]
    pub medium_matches: Option<String>,
    #[serde(default)]
    pub campaign_matches: Option<String>,
    /// Whether an ad click id (gclid) must be present.
    #[serde(default)]
    pub has_click_id: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct IcpConfig {
    pub rules: Vec<IcpRule>,
    /// Tiers by minimum score (0-100), highest first.
    pub tiers: Vec<IcpTier>,
}

impl Default for IcpConfig {
    fn default() -> Self {
        IcpConfig {
            rules: Vec::new(),
            tiers: vec![
                IcpTier {
                    tier: "A".into(),
                    min_score: 70.0,
                },
                IcpTier {
                    tier: "B".into(),
                    min_score: 40.0,
                },
                IcpTier {
                    tier: "C".into(),
                    min_score: 0.0,
                },
            ],
        }
    }
}

/// A firmographic condition and the points it is worth.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IcpRule {
    /// industry, employee_count, annual_revenue or country.
    pub field: String,
    #[serde(default, rename = "in")]
    pub values: Vec<String>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    pub weight: f64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IcpTier {
    pub tier: String,
    pub min_score: f64,
}

/// The data defaults shipped with the package.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JourneyDefaults {
    pub hosts: BTreeMap<String, Vec<String>>,
    pub rules: Vec<ChannelRule>,
    pub free_mail_domains: Vec<String>,
    pub blocked_values: Vec<String>,
}

/// What templates see as `journey`: the settings with the defaults merged.
#[derive(Debug, Clone, Serialize)]
pub struct ResolvedJourney {
    #[serde(flatten)]
    pub config: JourneyConfig,
    pub channel_rules: Vec<ChannelRule>,
    pub hosts: BTreeMap<String, Vec<String>>,
    pub all_free_mail_domains: Vec<String>,
    pub all_blocked_values: Vec<String>,
}

impl JourneyConfig {
    pub fn resolve(&self, defaults: &JourneyDefaults) -> ResolvedJourney {
        let mut rules = self.channels.rules.clone();
        if !self.channels.replace_default_rules {
            rules.extend(defaults.rules.iter().cloned());
        }
        let mut hosts = defaults.hosts.clone();
        for (list, extra) in &self.channels.hosts {
            hosts
                .entry(list.clone())
                .or_default()
                .extend(extra.iter().cloned());
        }
        let lower = |v: &[String], w: &[String]| -> Vec<String> {
            let mut out: Vec<String> = v.iter().chain(w).map(|s| s.trim().to_lowercase()).collect();
            out.sort();
            out.dedup();
            out
        };
        ResolvedJourney {
            config: self.clone(),
            channel_rules: rules,
            hosts,
            all_free_mail_domains: lower(&defaults.free_mail_domains, &self.free_mail_domains),
            all_blocked_values: lower(&defaults.blocked_values, &self.blocked_values),
        }
    }
}
