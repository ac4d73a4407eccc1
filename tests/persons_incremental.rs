//! `persons` recomputes, in an incremental run, only the people whose row can
//! have changed. Besides the people with new identifiers or touches, that is
//! people whose CRM contact changed (contacts carry no time), people matched
//! by an email domain that now names another account, and people whose ad
//! click became the twin of a new landing page (their touch is gone). None
//! of them has a new event here, and each must end as a full rebuild has it,
//! on DuckDB and PostgreSQL.

mod common;
use common::{JourneyCase, rows};

const WEB: &str = "event_id,occurred_at,anonymous_id,user_id,email,event_type,url,referrer,utm_source,utm_medium,utm_campaign,gclid";
// k2, on a device nobody owns, is the newest click: the clicks' window
// starts after k1.
const ADS: &str = "click_id,occurred_at,platform,campaign,anonymous_id,gclid\n\
                   k1,2025-03-01 05:50:00,google,brand,d3,G1\n\
                   k2,2025-03-01 12:00:00,google,brand,d9,\n";

const PERSONS: &str = "select email, account_id, match_method, contact_id, job_title, touches \
     from journey.persons where email is not null order by email";

#[test]
fn persons_follow_crm_domain_and_twin_changes_without_new_events() {
    // Day 1: pam (contact c1 of A, an analyst) on d1; quin (no contact, of B
    // by the domain beta.io) on d2; rob (contact c3 of C) on d3, after his
    // ad click k1 with gclid G1; sue (D by domain) on d4 at 12:00, so the web
    // events' window (12:00 - 3 h) starts after pam's, quin's and rob's visits.
    let web1 = format!(
        "{WEB}\n\
         w1,2025-03-01 06:00:00,d1,,pam@alpha.io,page,https://acme.io/,,,,,\n\
         w2,2025-03-01 06:10:00,d2,,quin@beta.io,page,https://acme.io/,,,,,\n\
         w3,2025-03-01 06:20:00,d3,,rob@gamma.io,page,https://acme.io/,,,,,\n\
         w4,2025-03-01 12:00:00,d4,,sue@delta.io,page,https://acme.io/,,,,,\n"
    );
    let case = JourneyCase::new(
        &[
            ("web_events", &web1),
            ("ad_clicks", ADS),
            (
                "contacts",
                "contact_id,email,account_id,job_title\n\
                 c1,pam@alpha.io,A,Analyst\nc3,rob@gamma.io,C,\n",
            ),
            (
                "accounts",
                "account_id,name,domain\nA,Alpha,alpha.io\nB,Beta,beta.io\nC,Gamma,gamma.io\nD,Delta,delta.io\nE,Epsilon,\n",
            ),
        ],
        "",
    );
    case.run();
    assert_eq!(
        case.query(PERSONS),
        rows(&[
            "pam@alpha.io|A|crm|c1|Analyst|1",
            "quin@beta.io|B|email_domain|NULL|NULL|1",
            // w3 and k1
            "rob@gamma.io|C|crm|c3|NULL|2",
            "sue@delta.io|D|email_domain|NULL|NULL|1",
        ])
    );

    // Day 2, with no event of pam, quin or rob: c1 moves to D and becomes a
    // director in the CRM; beta.io now belongs to E (B moved to beta.com);
    // a landing page on a device nobody owns carries G1, so k1 is its twin
    // and no longer rob's touch.
    case.project.write(
        "data/contacts.csv",
        "contact_id,email,account_id,job_title\nc1,pam@alpha.io,D,Director\nc3,rob@gamma.io,C,\n",
    );
    case.project.write(
        "data/accounts.csv",
        "account_id,name,domain\nA,Alpha,alpha.io\nB,Beta,beta.com\nC,Gamma,gamma.io\nD,Delta,delta.io\nE,Epsilon,beta.io\n",
    );
    case.project.write(
        "data/web_events.csv",
        &format!("{web1}w5,2025-03-02 09:00:00,d8,,,page,https://acme.io/lp,,,,,G1\n"),
    );
    for args in [&["run"][..], &["run", "--target", "pg"][..]] {
        let out = common::stdout(&case.project.jmap(args));
        assert!(
            out.contains("incremental journey.persons"),
            "{args:?}: persons not incremental:\n{out}"
        );
    }
    let expected = rows(&[
        "pam@alpha.io|D|crm|c1|Director|1",
        "quin@beta.io|E|email_domain|NULL|NULL|1",
        "rob@gamma.io|C|crm|c3|NULL|1",
        "sue@delta.io|D|email_domain|NULL|NULL|1",
    ]);
    assert_eq!(case.query(PERSONS), expected);
    // sue's row was not written again (nor that of k2's unknown device).
    assert_eq!(
        case.query(
            "select coalesce(email, '-') from journey.persons \
             where changed_at < (select max(changed_at) from journey.persons) order by 1"
        ),
        rows(&["-", "sue@delta.io"])
    );

    // Every column but the stamps, as a full rebuild gives it.
    let compared = "select person_id, email, account_id, match_method, contact_id, job_title, seniority, \
         cast(first_seen_at as varchar), cast(last_seen_at as varchar), touches, identity_hash \
         from journey.persons order by person_id";
    let incremental = case.query(compared);
    for args in [
        &["run", "--full-refresh"][..],
        &["run", "--full-refresh", "--target", "pg"][..],
    ] {
        case.project.jmap(args).success();
    }
    assert_eq!(case.query(PERSONS), expected);
    assert_eq!(case.query(compared), incremental);
}
