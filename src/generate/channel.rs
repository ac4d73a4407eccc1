//! Marketing channels, named as GA4's default channel grouping names them,
//! plus the two CRM-borne ones (sales activities; webinars and conferences).

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Channel {
    PaidSearch,
    PaidSocial,
    PaidVideo,
    Display,
    OrganicSearch,
    OrganicSocial,
    Referral,
    Direct,
    Email,
    Sales,
    Events,
}

pub const ALL: [Channel; 11] = [
    Channel::PaidSearch,
    Channel::PaidSocial,
    Channel::PaidVideo,
    Channel::Display,
    Channel::OrganicSearch,
    Channel::OrganicSocial,
    Channel::Referral,
    Channel::Direct,
    Channel::Email,
    Channel::Sales,
    Channel::Events,
];

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Channel::PaidSearch => "Paid Search",
            Channel::PaidSocial => "Paid Social",
            Channel::PaidVideo => "Paid Video",
            Channel::Display => "Display",
            Channel::OrganicSearch => "Organic Search",
            Channel::OrganicSocial => "Organic Social",
            Channel::Referral => "Referral",
            Channel::Direct => "Direct",
            Channel::Email => "Email",
            Channel::Sales => "Sales",
            Channel::Events => "Events",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// Marketing touches the planner expects an episode in this channel to
    /// produce: a visit is one touch however many pages it has; an email is
    /// opened, and some are clicked through to a visit.
    pub fn expected_touches(self) -> f64 {
        match self {
            Channel::Email => 1.6,
            _ => 1.0,
        }
    }
}

/// Where first touches come from (the channel of an account's first touch).
pub const ACQUISITION: [(Channel, u32); 9] = [
    (Channel::PaidSearch, 22),
    (Channel::OrganicSearch, 22),
    (Channel::PaidSocial, 14),
    (Channel::Referral, 10),
    (Channel::Events, 8),
    (Channel::Direct, 7),
    (Channel::OrganicSocial, 7),
    (Channel::Sales, 5),
    (Channel::Display, 5),
];

/// Channels that join a journey after the first touch.
pub const FOLLOW_UP: [(Channel, u32); 10] = [
    (Channel::Direct, 25),
    (Channel::Email, 25),
    (Channel::OrganicSearch, 12),
    (Channel::PaidSearch, 10),
    (Channel::Events, 10),
    (Channel::PaidSocial, 8),
    (Channel::Referral, 5),
    (Channel::Display, 3),
    (Channel::OrganicSocial, 2),
    (Channel::PaidVideo, 2),
];

/// Channels of visitors who are nobody's buyer (blog readers, job seekers).
pub const BACKGROUND: [(Channel, u32); 7] = [
    (Channel::OrganicSearch, 45),
    (Channel::Direct, 20),
    (Channel::OrganicSocial, 10),
    (Channel::Referral, 10),
    (Channel::PaidSearch, 10),
    (Channel::Display, 3),
    (Channel::PaidSocial, 2),
];
