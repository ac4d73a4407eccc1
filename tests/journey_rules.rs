//! The journey package's rules on small hand-made sources, each on DuckDB and
//! PostgreSQL (both engines must give exactly these rows).

mod common;
use common::{JourneyCase, rows};

const WEB: &str = "event_id,occurred_at,anonymous_id,user_id,email,event_type,url,referrer,utm_source,utm_medium,utm_campaign,gclid";

#[test]
fn same_touch_in_two_sources_counts_once() {
    let web = format!(
        "{WEB}\n\
         w1,2025-03-01 10:00:00,a1,,,page,https://acme.io/lp,,,,,G-1\n\
         w2,2025-03-01 10:05:00,a1,,,page,https://acme.io/pricing,https://acme.io/lp,,,,\n\
         w2,2025-03-01 10:05:00,a1,,,page,https://acme.io/pricing,https://acme.io/lp,,,,\n"
    );
    // c1 is the click that brought w1 (same gclid); c2 never reached the site.
    let ads = "click_id,occurred_at,platform,campaign,anonymous_id,gclid\n\
               c1,2025-03-01 09:59:58,google,brand,a1,G-1\n\
               c2,2025-03-02 12:00:00,linkedin,abm,a1,\n";
    let case = JourneyCase::new(&[("web_events", &web), ("ad_clicks", ads)], "");
    case.run();
    // w2 was delivered twice: one row. c1 is w1's twin: one touch.
    assert_eq!(
        case.query(
            "select touch_type, event_type, channel from journey.touchpoints order by occurred_at"
        ),
        rows(&[
            "web|page_view|Paid Search",
            "web|page_view|Paid Search",
            "ad_click|ad_click|Paid Social"
        ])
    );
}

#[test]
fn blocked_and_null_identifiers_are_dropped() {
    let web = format!(
        "{WEB}\n\
         e1,2025-03-01 10:00:00,,unknown,,page,https://acme.io/,,,,,\n\
         e2,2025-03-01 10:00:00,-1,,null,page,https://acme.io/,,,,,\n\
         e3,2025-03-01 10:00:00,00000000-0000-0000-0000-000000000000,,,page,https://acme.io/,,,,,\n\
         e4,2025-03-01 10:00:00,unknown,u7,Test@Test.com,page,https://acme.io/,,,,,\n\
         e5,not a date,a9,,,page,https://acme.io/,,,,,\n\
         e6,2025-03-01 10:00:00, 000 ,-0-,,page,https://acme.io/,,,,,\n\
         e7,2025-03-01 10:00:00,10-0,,,page,https://acme.io/,,,,,\n"
    );
    let case = JourneyCase::new(&[("web_events", &web)], "");
    case.run();
    // e4 survives (it has a real user id); its blocked email is dropped too;
    // e5's time does not parse; e6's ids are only zeros and dashes (blocked);
    // e7's device id has a 1 among its zeros and dashes (kept).
    assert_eq!(
        case.query(
            "select touchpoint_id is not null, anonymous_id, user_id, email from journey.touchpoints \
             order by anonymous_id nulls first"
        ),
        rows(&["true|NULL|u7|NULL", "true|10-0|NULL|NULL"])
    );
    assert_eq!(
        case.query("select identifier_type, identifier from journey.identity_map order by 1, 2"),
        rows(&["anonymous_id|10-0", "user_id|u7"])
    );
}

#[test]
fn a_31_minute_gap_splits_a_session_and_a_login_does_not() {
    let web = format!(
        "{WEB}\n\
         d1,2025-03-01 10:00:00,dev-a,,,page,https://acme.io/,,,,,\n\
         dt,2025-03-01 10:05:00,dev-a,,,track,https://acme.io/,,,,,\n\
         d2,2025-03-01 10:20:00,dev-a,,,page,https://acme.io/a,,,,,\n\
         d3,2025-03-01 10:51:00,dev-a,,,page,https://acme.io/b,,,,,\n\
         l1,2025-03-01 11:00:00,dev-b,,,page,https://acme.io/,,,,,\n\
         l2,2025-03-01 11:10:00,dev-b,u1,,page,https://acme.io/login,,,,,\n\
         l3,2025-03-01 11:20:00,dev-b,u1,,page,https://acme.io/app,,,,,\n"
    );
    let case = JourneyCase::new(&[("web_events", &web)], "");
    case.run();
    // dev-a: 10:20 -> 10:51 is 31 minutes > 30: two sessions; the first has
    // 2 pages + 1 track = 3 events, the second 1 page = 1 event.
    // dev-b: the login at 11:10 keeps the session (3 pages, one person).
    assert_eq!(
        case.query(
            "select anonymous_id, cast(started_at as varchar), cast(ended_at as varchar), page_views, events, person_id is not null \
             from journey.sessions order by anonymous_id, started_at"
        ),
        rows(&[
            "dev-a|2025-03-01 10:00:00|2025-03-01 10:20:00|2|3|true",
            "dev-a|2025-03-01 10:51:00|2025-03-01 10:51:00|1|1|true",
            "dev-b|2025-03-01 11:00:00|2025-03-01 11:20:00|3|3|true",
        ])
    );
    assert_eq!(
        case.query("select count(distinct session_id), count(distinct person_id) from journey.touchpoints where anonymous_id = 'dev-b'"),
        rows(&["1|1"])
    );
}

#[test]
fn an_incremental_run_continues_a_session_begun_before_its_window() {
    // The first run's latest event is at 12:00, so the next run re-processes
    // from 12:00 - 3 h (incremental_window_hours) = 09:00. dev-s's session
    // began at 08:40, before that, and its last event (09:05) is within 30
    // minutes of it: the late event at 09:30 (25 minutes after 09:05) extends
    // that session, which must be re-read from 08:40, not from 09:00.
    let first = format!(
        "{WEB}\n\
         x0,2025-03-01 06:00:00,dev-z,,,page,https://acme.io/,,,,,\n\
         s1,2025-03-01 08:40:00,dev-s,,,page,https://acme.io/,,,,,\n\
         s2,2025-03-01 09:05:00,dev-s,,,page,https://acme.io/a,,,,,\n\
         m1,2025-03-01 12:00:00,dev-m,,,page,https://acme.io/,,,,,\n"
    );
    let case = JourneyCase::new(&[("web_events", &first)], "");
    case.run();
    let all = format!(
        "{first}\
         s3,2025-03-01 09:30:00,dev-s,,,page,https://acme.io/b,,,,,\n\
         m2,2025-03-01 12:10:00,dev-m,,,page,https://acme.io/a,,,,,\n"
    );
    case.project.write("data/web_events.csv", &all);
    // The second run is incremental on both engines.
    for args in [&["run"][..], &["run", "--target", "pg"][..]] {
        let out = common::stdout(&case.project.jmap(args));
        assert!(
            out.contains("incremental journey_staging.int_web_events"),
            "{args:?}: {out}"
        );
    }
    // As a full rebuild: dev-s has one session, 08:40 to 09:30, 3 pages.
    assert_eq!(
        case.query(
            "select anonymous_id, cast(started_at as varchar), cast(ended_at as varchar), page_views, events \
             from journey.sessions order by anonymous_id, started_at"
        ),
        rows(&[
            "dev-m|2025-03-01 12:00:00|2025-03-01 12:10:00|2|2",
            "dev-s|2025-03-01 08:40:00|2025-03-01 09:30:00|3|3",
            "dev-z|2025-03-01 06:00:00|2025-03-01 06:00:00|1|1",
        ])
    );
    // 6 events (x0, s1, s2, s3, m1, m2) in 3 sessions (dev-z, dev-s, dev-m):
    // no row of dev-s's first run is left beside the re-processed ones.
    assert_eq!(
        case.query(
            "select count(*), count(distinct session_id) from journey_staging.int_web_events"
        ),
        rows(&["6|3"])
    );
}

#[test]
fn an_incremental_run_merges_and_splits_people_as_a_full_rebuild_does() {
    // First run: a1 alone; a2 with u1; the kiosk k with u2; o1 with u3; the
    // contact c1 with pat@beta.io; the kiosk k0, shared already (3 emails >
    // max_emails_per_device 2), alone, as are x1, x2 and x3. Eleven people
    // with dev-m.
    let first = format!(
        "{WEB}\n\
         k1,2025-03-01 08:00:00,o1,u3,,page,https://acme.io/,,,,,\n\
         k2,2025-03-01 09:00:00,k,u2,,page,https://acme.io/,,,,,\n\
         a1,2025-03-01 10:00:00,a1,,,page,https://acme.io/,,,,,\n\
         a2,2025-03-01 11:00:00,a2,u1,,page,https://acme.io/,,,,,\n\
         s1,2025-03-01 07:10:00,k0,,x1@beta.io,page,https://acme.io/,,,,,\n\
         s2,2025-03-01 07:20:00,k0,,x2@beta.io,page,https://acme.io/,,,,,\n\
         s3,2025-03-01 07:30:00,k0,,x3@beta.io,page,https://acme.io/,,,,,\n\
         m1,2025-03-01 12:00:00,dev-m,,,page,https://acme.io/,,,,,\n"
    );
    let contacts = "contact_id,email,account_id\nc1,pat@beta.io,\n";
    let case = JourneyCase::new(&[("web_events", &first), ("contacts", contacts)], "");
    case.run();
    let people = "select string_agg(identifier, ',' order by identifier) as members \
                  from journey.identity_map group by person_id order by members";
    assert_eq!(
        case.query(people),
        rows(&[
            "a1",
            "a2,u1",
            "c1,pat@beta.io",
            "dev-m",
            "k,u2",
            "k0",
            "o1,u3",
            "x1@beta.io",
            "x2@beta.io",
            "x3@beta.io"
        ])
    );
    // Second run: a1 logs in as u1 (two people merge); k is used by u3 too,
    // so it is shared (2 user ids > max_user_ids_per_device 1) and links
    // nobody (k and u2 split); a duplicate contact c2 with the same email
    // joins c1 (contacts carry no time: found as an edge the table lacks);
    // x1 and x2 sign in on their own devices: their edges to k0 stay cut
    // although k0 has nothing new (its load counts all 3 emails, not only
    // the 2 being recomputed, so it does not join x1 and x2; its events are
    // before the window, 12:00 - 3 h).
    let all = format!(
        "{first}\
         a3,2025-03-02 10:00:00,a1,u1,,page,https://acme.io/a,,,,,\n\
         k3,2025-03-02 10:30:00,k,u3,,page,https://acme.io/a,,,,,\n\
         s4,2025-03-02 10:40:00,o4,,x1@beta.io,page,https://acme.io/a,,,,,\n\
         s5,2025-03-02 10:50:00,o5,,x2@beta.io,page,https://acme.io/a,,,,,\n"
    );
    case.project.write("data/web_events.csv", &all);
    case.project.write(
        "data/contacts.csv",
        "contact_id,email,account_id\nc1,pat@beta.io,\nc2,Pat@Beta.io,\n",
    );
    for args in [&["run"][..], &["run", "--target", "pg"][..]] {
        let out = common::stdout(&case.project.jmap(args));
        assert!(
            out.contains("incremental journey.identity_map"),
            "{args:?}: {out}"
        );
    }
    let expected = rows(&[
        "a1,a2,u1",
        "c1,c2,pat@beta.io",
        "dev-m",
        "k",
        "k0",
        "o1,u3",
        "o4,x1@beta.io",
        "o5,x2@beta.io",
        "u2",
        "x3@beta.io",
    ]);
    assert_eq!(case.query(people), expected);
    // Row for row what a full rebuild gives, person ids and times included.
    let everything = "select identifier_type, identifier, person_id, cast(last_seen_at as varchar) \
                      from journey.identity_map order by identifier_type, identifier";
    let incremental = case.query(everything);
    for args in [
        &["run", "--full-refresh"][..],
        &["run", "--full-refresh", "--target", "pg"][..],
    ] {
        case.project.jmap(args).success();
    }
    assert_eq!(case.query(people), expected);
    assert_eq!(case.query(everything), incremental);
}

#[test]
fn identities_merge_transitively() {
    // a1 -- email e -- user u -- a2: one person across two devices.
    let web = format!(
        "{WEB}\n\
         t1,2025-03-01 10:00:00,a1,,Pat@Beta.io,page,https://acme.io/,,,,,\n\
         t2,2025-03-05 10:00:00,a2,u9,pat@beta.io ,page,https://acme.io/,,,,,\n\
         t3,2025-03-06 10:00:00,a3,,,page,https://acme.io/,,,,,\n"
    );
    let case = JourneyCase::new(&[("web_events", &web)], "");
    case.run();
    assert_eq!(
        case.query(
            "select count(distinct person_id) from journey.identity_map \
             where identifier in ('a1', 'a2', 'u9', 'pat@beta.io')"
        ),
        rows(&["1"])
    );
    // a3 never identified itself: a person of its own. 2 persons in all.
    assert_eq!(
        case.query("select count(*) from journey.persons"),
        rows(&["2"])
    );
}

#[test]
fn a_shared_device_does_not_merge_two_people() {
    // The kiosk k is used by u1 and then u2: past max_user_ids_per_device (1).
    let web = format!(
        "{WEB}\n\
         s1,2025-03-01 10:00:00,k,u1,,page,https://acme.io/,,,,,\n\
         s2,2025-03-01 12:00:00,k,u2,,page,https://acme.io/,,,,,\n\
         s3,2025-03-02 09:00:00,own1,u1,,page,https://acme.io/,,,,,\n"
    );
    let case = JourneyCase::new(&[("web_events", &web)], "");
    case.run();
    assert_eq!(
        case.query(
            "select count(distinct person_id) from journey.identity_map where identifier in ('u1', 'u2')"
        ),
        rows(&["2"])
    );
    // u1 still links to its own device.
    assert_eq!(
        case.query(
            "select count(distinct person_id) from journey.identity_map where identifier in ('u1', 'own1')"
        ),
        rows(&["1"])
    );
    // With a limit of 2 the same data is one person.
    let case = JourneyCase::new(
        &[("web_events", &web)],
        "  identity:\n    max_user_ids_per_device: 2\n",
    );
    case.run();
    assert_eq!(
        case.query(
            "select count(distinct person_id) from journey.identity_map where identifier in ('u1', 'u2', 'k')"
        ),
        rows(&["1"])
    );
}

#[test]
fn an_incremental_run_splits_a_device_that_became_shared() {
    // Day 1: kiosk k with u1 (and u1 on its own device own1): one person;
    // k2 with u5 and x, own2 with u6 and x: one person through x; d9 with u9.
    let day1 = format!(
        "{WEB}\n\
         s1,2025-03-01 10:00:00,k,u1,,page,https://acme.io/,,,,,\n\
         s2,2025-03-01 11:00:00,own1,u1,,page,https://acme.io/,,,,,\n\
         t1,2025-03-01 10:00:00,k2,u5,x@acme-corp.com,page,https://acme.io/,,,,,\n\
         t2,2025-03-01 11:00:00,own2,u6,x@acme-corp.com,page,https://acme.io/,,,,,\n\
         p1,2025-03-01 12:00:00,d9,u9,,page,https://acme.io/,,,,,\n"
    );
    let case = JourneyCase::new(&[("web_events", &day1)], "");
    case.run();
    let people = |ids: &str| {
        case.query(&format!(
            "select count(distinct person_id) from journey.identity_map where identifier in ({ids})"
        ))[0][0]
            .clone()
    };
    assert_eq!(people("'k', 'u1', 'own1'"), "1");
    assert_eq!(people("'k2', 'u5', 'x@acme-corp.com', 'own2', 'u6'"), "1");
    // Day 3, run incrementally: k meets u2 and k2 meets u6, two user ids each
    // (over max_user_ids_per_device, 1): both are shared now and link nobody.
    // k2-u6 joins two identifiers of one person, yet it splits that person.
    // d9-u9 is seen again: same person, a later last_seen_at.
    let day3 = "s3,2025-03-03 10:00:00,k,u2,,page,https://acme.io/,,,,,\n\
                t3,2025-03-03 10:00:00,k2,u6,,page,https://acme.io/,,,,,\n\
                p2,2025-03-03 12:00:00,d9,u9,,page,https://acme.io/,,,,,\n";
    case.project
        .write("data/web_events.csv", &format!("{day1}{day3}"));
    case.run();
    assert_eq!(people("'k', 'u1'"), "2");
    assert_eq!(people("'u1', 'own1'"), "1");
    assert_eq!(people("'u1', 'u2'"), "2");
    assert_eq!(people("'k2', 'u5'"), "2");
    // u5-x (same event as k2) and own2's edges still hold them together.
    assert_eq!(people("'u5', 'x@acme-corp.com', 'own2', 'u6'"), "1");
    assert_eq!(people("'d9', 'u9'"), "1");
    let map = "select identifier_type, identifier, cast(last_seen_at as varchar), \
               dense_rank() over (order by person_id) from journey.identity_map order by 1, 2";
    let seen = case.query(
        "select identifier, cast(last_seen_at as varchar) from journey.identity_map \
         where identifier in ('d9', 'u9') order by 1",
    );
    assert_eq!(
        seen,
        rows(&["d9|2025-03-03 12:00:00", "u9|2025-03-03 12:00:00"])
    );
    // And the incremental map is the one a full rebuild makes.
    let incremental = case.query(map);
    case.project.jmap(&["run", "--full-refresh"]).success();
    case.project
        .jmap(&["run", "--full-refresh", "--target", "pg"])
        .success();
    assert_eq!(case.query(map), incremental);
}

#[test]
fn free_mail_never_creates_an_account_match() {
    let contacts = "contact_id,email,account_id\n\
                    c1,Bob@Gmail.com,\n\
                    c2,alice@acme-corp.com,\n\
                    c3,carol@beta.io,ACC-B\n";
    // A CRM account wrongly carrying gmail.com as its domain.
    let accounts = "account_id,name,domain\n\
                    ACC-A,Acme Corp,https://www.acme-corp.com/\n\
                    ACC-B,Beta,beta.io\n\
                    ACC-G,Bad Data,gmail.com\n";
    let case = JourneyCase::new(&[("contacts", contacts), ("accounts", accounts)], "");
    case.run();
    assert_eq!(
        case.query("select email, coalesce(account_id, '-'), match_method from journey.persons order by email"),
        rows(&[
            "alice@acme-corp.com|ACC-A|email_domain",
            "bob@gmail.com|-|unmatched",
            "carol@beta.io|ACC-B|crm",
        ])
    );
}

#[test]
fn channel_rules_apply_in_order() {
    let web = format!(
        "{WEB}\n\
         c1,2025-03-01 10:00:00,d1,,,page,https://acme.io/x,https://www.linkedin.com/feed,linkedin,paid_social,abm,\n\
         c2,2025-03-01 10:00:00,d2,,,page,https://acme.io/x,https://www.linkedin.com/feed,,,,\n\
         c3,2025-03-01 10:00:00,d3,,,page,https://acme.io/x,https://www.g2.com/products/acme,,,,\n\
         c4,2025-03-01 10:00:00,d4,,,page,https://acme.io/x,,,,,\n\
         c5,2025-03-01 10:00:00,d5,,,page,https://acme.io/x,,google,cpc,brand,\n\
         c6,2025-03-01 10:00:00,d6,,,page,https://acme.io/x,https://www.google.co.uk/,,,,\n\
         c7,2025-03-01 10:00:00,d7,,,page,https://acme.io/x?utm_source=newsletter&utm_medium=email,,,,,\n\
         c8,2025-03-01 10:00:00,d8,,,page,https://acme.io/x,https://acme.io/blog,,,,\n\
         c9,2025-03-01 10:00:00,d9,,,page,https://acme.io/x,,youtube,cpv,launch,\n"
    );
    let case = JourneyCase::new(&[("web_events", &web)], "");
    case.run();
    // Paid social (utm) beats organic social (referrer only); a review site is a
    // referral; no referrer is direct; an own-domain referrer is navigation (direct).
    assert_eq!(
        case.query("select anonymous_id, channel from journey.sessions order by anonymous_id"),
        rows(&[
            "d1|Paid Social",
            "d2|Organic Social",
            "d3|Referral",
            "d4|Direct",
            "d5|Paid Search",
            "d6|Organic Search",
            "d7|Email",
            "d8|Direct",
            "d9|Paid Video",
        ])
    );
}

#[test]
fn funnel_arithmetic() {
    // Four accounts, each with one contact who visits on 2025-01-01 (awareness).
    // A: mql +10d, sql +20d, opportunity +30d, won +60d
    // B: mql +5d,  sql +15d
    // C: mql +30d
    // D: nothing more
    let web = format!(
        "{WEB}\n\
         a,2025-01-01 00:00:00,da,,a@a.com,page,https://acme.io/,,,,,\n\
         b,2025-01-01 00:00:00,db,,b@b.com,page,https://acme.io/,,,,,\n\
         c,2025-01-01 00:00:00,dc,,c@c.com,page,https://acme.io/,,,,,\n\
         d,2025-01-01 00:00:00,dd,,d@d.com,page,https://acme.io/,,,,,\n"
    );
    let contacts = "contact_id,email,account_id,mql_at,sql_at\n\
                    ca,a@a.com,A,2025-01-11,2025-01-21\n\
                    cb,b@b.com,B,2025-01-06,2025-01-16\n\
                    cc,c@c.com,C,2025-01-31,\n\
                    cd,d@d.com,D,,\n";
    let accounts = "account_id,name\nA,A\nB,B\nC,C\nD,D\n";
    let opps = "opportunity_id,account_id,created_at,closed_at,is_won,amount\n\
                o1,A,2025-01-31,2025-03-02,true,1000\n";
    let case = JourneyCase::new(
        &[
            ("web_events", &web),
            ("contacts", contacts),
            ("accounts", accounts),
            ("opportunities", opps),
        ],
        "",
    );
    case.run();
    // (rates below are conversion_rate x 10,000, rounded)
    // awareness -> mql: 4 entered, 3 converted (A 10d, B 5d, C 30d): rate 0.75,
    //   median of [5, 10, 30] = 10, p75 = 10 + 0.5 * (30 - 10) = 20
    // mql -> sql: 3 entered, 2 converted (A 10d, B 10d): 0.666..., median 10, p75 10
    // sql -> opportunity: 2 entered, 1 converted (A 10d): 0.5
    // opportunity -> closed_won: 1 entered, 1 converted (A: Jan 31 -> Mar 2 = 30d): 1.0
    assert_eq!(
        case.query(
            "select stage, next_stage, entered, converted, round(conversion_rate * 10000), median_days, p75_days \
             from journey.stage_funnel order by stage_index"
        ),
        rows(&[
            "awareness|mql|4|3|7500.0|10.0|20.0",
            "mql|sql|3|2|6667.0|10.0|10.0",
            "sql|opportunity|2|1|5000.0|10.0|10.0",
            "opportunity|closed_won|1|1|10000.0|30.0|30.0",
        ])
    );
}

#[test]
fn awareness_is_the_first_touch_of_the_account_even_without_a_person() {
    // Account A: a meeting logged on the account with nobody named (no person)
    // at 09:00, then its contact's visit at 10:00. Awareness is the meeting:
    // 09:00, no person. Account B: two of its contacts visit at the same
    // second; the tie goes to the smaller touchpoint_id, as in account_journeys.
    let web = format!(
        "{WEB}\n\
         a1,2025-01-01 10:00:00,da,,a@a.com,page,https://acme.io/,,,,,\n\
         b1,2025-01-02 08:00:00,db1,,b1@b.com,page,https://acme.io/,,,,,\n\
         b2,2025-01-02 08:00:00,db2,,b2@b.com,page,https://acme.io/,,,,,\n"
    );
    let crm = "activity_id,occurred_at,activity_type,contact_id,email,account_id\n\
               m1,2025-01-01 09:00:00,meeting,,,A\n";
    let contacts = "contact_id,email,account_id\nca,a@a.com,A\ncb1,b1@b.com,B\ncb2,b2@b.com,B\n";
    let accounts = "account_id,name\nA,A\nB,B\n";
    let case = JourneyCase::new(
        &[
            ("web_events", &web),
            ("crm_activities", crm),
            ("contacts", contacts),
            ("accounts", accounts),
        ],
        "",
    );
    case.run();
    assert_eq!(
        case.query(
            "select account_id, coalesce(cast(person_id as varchar), '-'), cast(reached_at as varchar) \
             from journey.stage_events where stage = 'awareness' and account_id = 'A'"
        ),
        rows(&["A|-|2025-01-01 09:00:00"])
    );
    assert_eq!(
        case.query(
            "select s.person_id = t.person_id, cast(s.reached_at as varchar) \
             from journey.stage_events as s \
             join journey.account_journeys as t on t.account_id = s.account_id and t.seq = 1 \
             where s.stage = 'awareness' and s.account_id = 'B'"
        ),
        rows(&["true|2025-01-02 08:00:00"])
    );
}

#[test]
fn a_touch_belongs_to_its_first_identifiers_person_else_its_fallbacks() {
    // The kiosk k is shared (users u1 and u2, past max_user_ids_per_device 1),
    // so it links nobody and is a person of its own. Each source names a
    // touch's person by its first identifier, else by its fallback:
    // web: the device (10:00, 11:00: k although signed in as u1, u2), else
    //      the user (12:00: no device, u3);
    // ad clicks: the device (13:00: k, although its lead form gave lee's
    //      email), else the email (14:00: lee);
    // email: the address (15:00: lee);
    // CRM: the contact (16:00: c9, whose email pat@beta.io is the same person).
    let web = format!(
        "{WEB}\n\
         w1,2025-03-01 10:00:00,k,u1,,page,https://acme.io/,,,,,\n\
         w2,2025-03-01 11:00:00,k,u2,,page,https://acme.io/,,,,,\n\
         w3,2025-03-01 12:00:00,,u3,,page,https://acme.io/,,,,,\n"
    );
    let ads = "click_id,occurred_at,platform,campaign,anonymous_id,email,gclid\n\
               c1,2025-03-01 13:00:00,linkedin,abm,k,lee@beta.io,\n\
               c2,2025-03-01 14:00:00,linkedin,abm,,lee@beta.io,\n";
    let mail = "event_id,occurred_at,email,event_type,campaign\n\
                e1,2025-03-01 15:00:00,lee@beta.io,click,nurture\n";
    let crm = "activity_id,occurred_at,activity_type,contact_id,email\n\
               m1,2025-03-01 16:00:00,meeting,c9,pat@beta.io\n";
    let case = JourneyCase::new(
        &[
            ("web_events", &web),
            ("ad_clicks", ads),
            ("email_events", mail),
            ("crm_activities", crm),
        ],
        "",
    );
    case.run();
    // Each touch's person, named by the smallest of its identifiers.
    assert_eq!(
        case.query(
            "select cast(t.occurred_at as varchar), t.touch_type, \
                    (select min(m.identifier) from journey.identity_map as m where m.person_id = t.person_id) \
             from journey.touchpoints as t order by t.occurred_at"
        ),
        rows(&[
            "2025-03-01 10:00:00|web|k",
            "2025-03-01 11:00:00|web|k",
            "2025-03-01 12:00:00|web|u3",
            "2025-03-01 13:00:00|ad_click|k",
            "2025-03-01 14:00:00|ad_click|lee@beta.io",
            "2025-03-01 15:00:00|email_click|lee@beta.io",
            "2025-03-01 16:00:00|meeting|c9",
        ])
    );
}
