//! The seller's website: which pages people land on and read at each point
//! of a journey, and the forms and tracked actions on it.

use super::channel::Channel;
use super::names::{BLOG_POSTS, CUSTOMER_STORIES, RESOURCES, TOPICS};
use super::rng::{Draw, Rng};

/// A page: (path, page name as the tracker records it).
pub type Page = (String, &'static str);

fn blog(r: &mut Rng) -> Page {
    (format!("/blog/{}", r.pick(&BLOG_POSTS)), "Blog Post")
}

fn resource(r: &mut Rng) -> Page {
    (format!("/resources/{}", r.pick(&RESOURCES)), "Resource")
}

fn fixed(path: &str, name: &'static str) -> Page {
    (path.to_owned(), name)
}

/// Where a visit in this channel lands.
pub fn landing(r: &mut Rng, channel: Channel, key: f64) -> Page {
    match channel {
        Channel::OrganicSearch | Channel::OrganicSocial => {
            if r.chance(0.7) {
                blog(r)
            } else {
                fixed("/", "Home")
            }
        }
        Channel::PaidSearch => match r.below(3) {
            0 => fixed("/", "Home"),
            1 => fixed("/pricing", "Pricing"),
            _ => (format!("/lp/{}", r.pick(&TOPICS)), "Landing Page"),
        },
        Channel::PaidSocial | Channel::Display | Channel::PaidVideo => {
            if r.chance(0.6) {
                resource(r)
            } else {
                (format!("/lp/{}", r.pick(&TOPICS)), "Landing Page")
            }
        }
        Channel::Email => {
            if r.chance(0.5) {
                resource(r)
            } else {
                blog(r)
            }
        }
        Channel::Referral => match r.below(3) {
            0 => fixed("/", "Home"),
            1 => fixed("/customers", "Customers"),
            _ => fixed("/integrations", "Integrations"),
        },
        _ => next_page(r, key),
    }
}

/// A page read later in a visit: early in a journey people read, late they
/// compare prices and ask for a demo.
pub fn next_page(r: &mut Rng, key: f64) -> Page {
    let stage = (key * 3.0) as usize;
    let choice = match stage {
        0 => *r.weighted(&[(0, 30), (1, 15), (2, 20), (3, 15), (4, 5), (5, 10), (6, 5)]),
        1 => *r.weighted(&[
            (0, 10),
            (1, 10),
            (2, 20),
            (3, 15),
            (4, 15),
            (5, 10),
            (6, 10),
            (7, 10),
        ]),
        _ => *r.weighted(&[
            (0, 5),
            (2, 15),
            (3, 10),
            (4, 25),
            (5, 10),
            (7, 15),
            (8, 10),
            (9, 10),
        ]),
    };
    match choice {
        0 => blog(r),
        1 => resource(r),
        2 => fixed("/product", "Product"),
        3 => fixed("/integrations", "Integrations"),
        4 => fixed("/pricing", "Pricing"),
        5 => (
            format!("/customers/{}", r.pick(&CUSTOMER_STORIES)),
            "Customer Story",
        ),
        6 => fixed("/", "Home"),
        7 => fixed("/demo", "Demo"),
        8 => fixed("/security", "Security"),
        _ => fixed("/docs/getting-started", "Docs"),
    }
}

/// A page of the product, for customers signed in.
pub fn app_page(r: &mut Rng) -> Page {
    let (path, name) = *r.pick(&[
        ("/app/dashboard", "App Dashboard"),
        ("/app/journeys", "App Journeys"),
        ("/app/attribution", "App Attribution"),
        ("/app/reports", "App Reports"),
        ("/app/settings", "App Settings"),
    ]);
    (path.to_owned(), name)
}

/// The form that turns a visitor into a lead, by journey stage.
pub fn lead_form(r: &mut Rng, key: f64) -> (&'static str, &'static str) {
    if key < 0.3 {
        *r.pick(&[
            ("/resources/download", "Ebook Downloaded"),
            ("/newsletter", "Newsletter Subscribed"),
        ])
    } else if key < 0.6 {
        *r.pick(&[
            ("/webinars/register", "Webinar Registered"),
            ("/resources/download", "Ebook Downloaded"),
        ])
    } else {
        *r.pick(&[("/demo", "Demo Requested"), ("/contact", "Contact Sales")])
    }
}
