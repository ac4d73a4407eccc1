//! The account-level models (int_account_touches, stage_events,
//! account_journeys, int_path_touches) write only what changed in an
//! incremental run, and end with exactly the rows a full rebuild gives, on
//! DuckDB and PostgreSQL: when touches move to another account (a device
//! identifies as a known person, a contact moves account in the CRM), when an
//! account is left with no touch, when a new landing page makes an old ad
//! click its twin, when a CRM stage appears with no new event, when a late
//! touch lands before an account's stored ones, when a stage moves under an
//! account's stored touches, and when an account only gains a later touch
//! (appended to its stored journey).

mod common;
use common::{JourneyCase, rows};

const WEB: &str = "event_id,occurred_at,anonymous_id,user_id,email,event_type,url,referrer,utm_source,utm_medium,utm_campaign,gclid";
const ACCOUNTS: &str = "account_id,name,domain\nA,Alpha,alpha.io\nB,Beta,beta.io\nC,Gamma,gamma.io\nD,Delta,delta.io\nE,Epsilon,epsilon.io\nF,Phi,phi.io\nG,Rho,rho.io\n";
// k2, on a device nobody owns, is the newest click: the clicks' window starts
// after k1.
const ADS: &str = "click_id,occurred_at,platform,campaign,anonymous_id,gclid\n\
                   k1,2025-03-01 05:58:00,google,brand,d1,G1\n\
                   k2,2025-03-01 12:00:00,google,brand,d9,\n";
const CRM: &str = "activity_id,occurred_at,activity_type,contact_id,account_id\nx1,2025-03-01 12:00:00,call,c2,B\n";
const OPPS: &str = "opportunity_id,account_id,created_at,closed_at,is_won,amount\nop1,B,2025-03-02 10:00:00,,false,1000\n";

/// Each account's touches in account_journeys, by their source ids.
const BY_ACCOUNT: &str = "select j.account_id, string_agg(coalesce(w.event_id, k.click_id, c.activity_id), ',' \
     order by coalesce(w.event_id, k.click_id, c.activity_id)) \
     from journey.account_journeys as j \
     left join journey_staging.int_web_events as w on w.event_key = j.touchpoint_id \
     left join journey_staging.int_ad_clicks as k on k.click_key = j.touchpoint_id \
     left join journey_staging.int_crm_touches as c on c.activity_key = j.touchpoint_id \
     group by j.account_id order by j.account_id";

/// The source ids of the rows of `table` (a touch table) that kept the first
/// run's stamp: not written again.
fn kept(table: &str) -> String {
    format!(
        "select coalesce(w.event_id, k.click_id, c.activity_id) as id from {table} as t \
         left join journey_staging.int_web_events as w on w.event_key = t.touchpoint_id \
         left join journey_staging.int_ad_clicks as k on k.click_key = t.touchpoint_id \
         left join journey_staging.int_crm_touches as c on c.activity_key = t.touchpoint_id \
         where t.built_at < (select max(built_at) from {table}) order by id"
    )
}

/// Every column of the account-level tables but the stamps of when jmap
/// wrote a row, in a fixed order.
const COMPARED: [&str; 9] = [
    "select touchpoint_id, cast(occurred_at as varchar), person_id, crm_account_id, touch_type, channel, campaign, is_marketing_touch \
     from journey_staging.int_touches order by touchpoint_id",
    "select account_id, touchpoint_id, cast(occurred_at as varchar), person_id, touch_type, channel, campaign, is_marketing_touch \
     from journey_staging.int_account_touches order by touchpoint_id",
    "select account_id, person_id, opportunity_id, stage, stage_index, cast(reached_at as varchar), value \
     from journey.stage_events order by account_id, stage_index, opportunity_id",
    "select account_id, seq, touchpoint_id, cast(occurred_at as varchar), channel, touch_type, person_id, is_marketing_touch, \
     cast(days_since_prev as decimal(18, 6)), stage_at_touch, is_stall_gap from journey.account_journeys order by account_id, seq",
    "select path_id, account_id, opportunity_id, converted, conversion_stage, touchpoint_id, channel, position, path_length \
     from journey_staging.int_path_touches order by path_id, position",
    "select path_id, account_id, converted, conversion_stage, channel_path, path_length from journey.conversion_paths order by path_id",
    "select path_id, account_id, touchpoint_id, position, element, is_element_start, label \
     from journey_staging.int_path_elements order by path_id, position",
    "select path_id, account_id, conversion_stage, converted, path_key from journey_staging.int_path_keys order by path_id",
    "select person_id, email, account_id, match_method, contact_id, cast(first_seen_at as varchar), cast(last_seen_at as varchar), touches, identity_hash \
     from journey.persons order by person_id",
];

/// Runs the project on DuckDB, then on Postgres, and checks that each of
/// `models` was built incrementally on both.
fn run_incrementally(case: &JourneyCase, models: &[&str]) {
    for args in [&["run"][..], &["run", "--target", "pg"][..]] {
        let out = common::stdout(&case.project.jmap(args));
        for model in models {
            assert!(
                out.contains(&format!("incremental {model}")),
                "{args:?}: {model} not incremental:\n{out}"
            );
        }
    }
}

/// Rebuilds everything from scratch on both engines.
fn full_refresh(case: &JourneyCase) {
    for args in [
        &["run", "--full-refresh"][..],
        &["run", "--full-refresh", "--target", "pg"][..],
    ] {
        case.project.jmap(args).success();
    }
}

#[test]
fn an_incremental_run_rebuilds_changed_accounts_as_a_full_rebuild_does() {
    // Day 1: ann (A) on d1, after the ad click k1 (gclid G1, no landing page
    // carried it); an anonymous visit on d2; bob (B) on d3; cy (C) on d4;
    // dee (D) on d7; eve (D by her email's domain, no contact) on d10; fay
    // (E) on d11, twice; gus (F) on d12; hal (G) on d13; a call with bob's
    // contact; an opportunity of B. The visits of ann, dee, eve and fay are
    // before the web events' window (11:00 - 3 h, less a session timeout);
    // gus's and hal's are in it.
    let day1 = format!(
        "{WEB}\n\
         w1,2025-03-01 06:00:00,d1,,ann@alpha.io,page,https://acme.io/,,,,,\n\
         w7,2025-03-01 07:00:00,d7,,dee@delta.io,page,https://acme.io/,,,,,\n\
         w8,2025-03-01 07:20:00,d10,,eve@delta.io,page,https://acme.io/,,,,,\n\
         w9,2025-03-01 07:05:00,d11,,fay@epsilon.io,page,https://acme.io/,,,,,\n\
         w2,2025-03-01 09:30:00,d2,,,page,https://acme.io/pricing,,,,,\n\
         w3,2025-03-01 10:00:00,d3,,bob@beta.io,page,https://acme.io/,,,,,\n\
         w4,2025-03-01 11:00:00,d4,,cy@gamma.io,page,https://acme.io/,,,,,\n\
         w14,2025-03-01 07:25:00,d11,,,page,https://acme.io/,,,,,\n\
         w12,2025-03-01 10:50:00,d12,,gus@phi.io,page,https://acme.io/,,,,,\n\
         w15,2025-03-01 10:50:00,d13,,hal@rho.io,page,https://acme.io/,,,,,\n"
    );
    let contacts1 = "contact_id,email,account_id,mql_at\n\
                     c1,ann@alpha.io,A,\nc2,bob@beta.io,B,\nc3,cy@gamma.io,C,\nc4,dee@delta.io,D,\nc5,fay@epsilon.io,E,\nc6,gus@phi.io,F,\nc7,hal@rho.io,G,\n";
    let case = JourneyCase::new(
        &[
            ("web_events", &day1),
            ("ad_clicks", ADS),
            ("contacts", contacts1),
            ("accounts", ACCOUNTS),
            ("crm_activities", CRM),
            ("opportunities", OPPS),
        ],
        "",
    );
    case.run();
    assert_eq!(
        case.query(BY_ACCOUNT),
        rows(&[
            "A|k1,w1", "B|w3,x1", "C|w4", "D|w7,w8", "E|w14,w9", "F|w12", "G|w15"
        ])
    );

    // Day 2: d2 identifies as bob (its day-1 visit joins B); a landing page
    // carries G1 on a device nobody owns, so k1 (outside every window) is its
    // twin and no longer a touch: A changes with no new touch of its own; c3
    // moves to B in the CRM (C is left with no touch, with no new event of
    // cy's); bob becomes an MQL; eve's device signs in as ann, so eve's
    // person is merged into ann's (whose key, from the smaller device id d1,
    // survives) and her day-1 visit leaves D for A; fay's device comes back
    // and fay was an MQL since day 1, 07:10, between her two stored visits
    // (E's stage moves under a stored touch: rebuilt); gus's device comes
    // back (F gains a touch after its stored one: appended); a late visit of
    // hal's device arrives, 45 minutes before his stored one (G is rebuilt),
    // whose time the source corrected in place from 10:50 to 10:55 (in the
    // window: re-processed, so its touch is written again).
    let day2 = format!(
        "{}\
         w5,2025-03-02 09:00:00,d2,,bob@beta.io,page,https://acme.io/demo,,,,,\n\
         w6,2025-03-02 09:10:00,d8,,,page,https://acme.io/lp,,,,,G1\n\
         w10,2025-03-02 09:20:00,d10,,ann@alpha.io,page,https://acme.io/,,,,,\n\
         w11,2025-03-02 10:00:00,d11,,,page,https://acme.io/,,,,,\n\
         w13,2025-03-02 10:30:00,d12,,,page,https://acme.io/,,,,,\n\
         w16,2025-03-01 10:10:00,d13,,,page,https://acme.io/,,,,,\n",
        day1.replace("w15,2025-03-01 10:50:00", "w15,2025-03-01 10:55:00")
    );
    case.project.write("data/web_events.csv", &day2);
    case.project.write(
        "data/contacts.csv",
        "contact_id,email,account_id,mql_at\n\
         c1,ann@alpha.io,A,\nc2,bob@beta.io,B,2025-03-02 08:00:00\nc3,cy@gamma.io,B,\nc4,dee@delta.io,D,\nc5,fay@epsilon.io,E,2025-03-01 07:10:00\nc6,gus@phi.io,F,\nc7,hal@rho.io,G,\n",
    );
    run_incrementally(
        &case,
        &[
            "journey.persons",
            "journey_staging.int_account_touches",
            "journey.stage_events",
            "journey.account_journeys",
            "journey_staging.int_path_touches",
            "journey_staging.int_path_elements",
            "journey_staging.int_path_keys",
            "journey.conversion_paths",
        ],
    );
    let expected = rows(&[
        "A|w1,w10,w8",
        "B|w2,w3,w4,w5,x1",
        "D|w7",
        "E|w11,w14,w9",
        "F|w12,w13",
        "G|w15,w16",
    ]);
    assert_eq!(case.query(BY_ACCOUNT), expected);
    // B's awareness is now w2 (09:30, before w3); its MQL (day 2, 08:00)
    // lies between x1 (day 1, 12:00) and w5 (day 2, 09:00), its opportunity
    // (day 2, 10:00) after all of them.
    assert_eq!(
        case.query(
            "select stage_at_touch from journey.account_journeys where account_id = 'B' order by seq"
        ),
        rows(&["awareness", "awareness", "awareness", "awareness", "mql"])
    );
    assert_eq!(
        case.query(
            "select stage, cast(reached_at as varchar) from journey.stage_events where account_id = 'B' order by stage_index"
        ),
        rows(&["awareness|2025-03-01 09:30:00", "mql|2025-03-02 08:00:00", "opportunity|2025-03-02 10:00:00"])
    );
    // int_touches keeps the row of every touch whose person did not change:
    // cy's w4 too (his account moved, not his person), d2's w2 (bob's merged
    // person is keyed from d2, as d2's own was), and k2, a click of an
    // unknown device that the clicks' window re-processed; not w15, whose
    // time changed.
    assert_eq!(
        case.query(&kept("journey_staging.int_touches")),
        rows(&["k2", "w1", "w12", "w14", "w2", "w4", "w7", "w9"])
    );
    // Touches that did not change keep their rows: ann's (her person gained
    // eve's device and kept its key), w12, which the window re-processed as
    // it was, and those of untouched people (w7, w9, w14). k1 (now a twin)
    // is gone; the moved ones were written again, and so were w15 (its time
    // changed) and bob's (w3, x1): his person is now keyed from d2, the
    // smallest identifier of his merged component.
    assert_eq!(
        case.query(&kept("journey_staging.int_account_touches")),
        rows(&["w1", "w12", "w14", "w7", "w9"])
    );
    // F's journey was appended to: w13 numbered on from w12, 23 h 40 min
    // later (1420/1440 = 0.986111 days); its stored row was not written
    // again. Every other account that changed was rebuilt: A, B and D gained
    // or lost a touch they had; E's MQL (07:10) moved w14's stage (w9 at
    // 07:05 stays in awareness; w14 20 minutes later, 20/1440 = 0.013889
    // days; w11 26 h 35 min after w14, 1595/1440 = 1.107639 days); G has a
    // touch before its stored one (w16 at 10:10, then w15 45 minutes later:
    // 45/1440 = 0.031250 days).
    assert_eq!(
        case.query(&kept("journey.account_journeys")),
        rows(&["w12"])
    );
    assert_eq!(
        case.query(
            "select j.account_id, j.seq, w.event_id, cast(j.days_since_prev as decimal(10, 6)), j.stage_at_touch \
             from journey.account_journeys as j join journey_staging.int_web_events as w on w.event_key = j.touchpoint_id \
             where j.account_id in ('E', 'F', 'G') order by j.account_id, j.seq"
        ),
        rows(&[
            "E|1|w9|NULL|awareness",
            "E|2|w14|0.013889|mql",
            "E|3|w11|1.107639|mql",
            "F|1|w12|NULL|awareness",
            "F|2|w13|0.986111|awareness",
            "G|1|w16|NULL|awareness",
            "G|2|w15|0.03125|awareness",
        ])
    );

    // Row for row what a full rebuild gives.
    let incremental: Vec<_> = COMPARED.iter().map(|sql| case.query(sql)).collect();
    full_refresh(&case);
    assert_eq!(case.query(BY_ACCOUNT), expected);
    for (sql, inc) in COMPARED.iter().zip(&incremental) {
        assert!(!inc.is_empty(), "nothing compared: {sql}");
        assert_eq!(
            &case.query(sql),
            inc,
            "incremental differs from full: {sql}"
        );
    }
}

/// An opportunity deleted in the CRM takes its conversion path out of every
/// path table in an incremental run, while its account's other paths stay as
/// they were; a touch after an account's last conversion grows only its
/// non-converting path. Both end as a full rebuild does, on both engines.
#[test]
fn a_deleted_opportunity_loses_its_path_in_an_incremental_run() {
    // A (ann on d1): w1 before op1 (day 2), w2 between op1 and op2 (day 5).
    // C (cy on d4): w5 before op3 (day 2), w6 between op3 and op4 (day 5).
    // Neither has won: each also has a non-converting closed_won path of
    // every touch.
    let day1 = format!(
        "{WEB}\n\
         w1,2025-03-01 06:00:00,d1,,ann@alpha.io,page,https://acme.io/,,,,,\n\
         w2,2025-03-03 06:00:00,d1,,,page,https://acme.io/,,,,,\n\
         w5,2025-03-01 07:00:00,d4,,cy@gamma.io,page,https://acme.io/,,,,,\n\
         w6,2025-03-03 07:00:00,d4,,,page,https://acme.io/,,,,,\n"
    );
    let opps = "opportunity_id,account_id,created_at,closed_at,is_won,amount\n\
                op1,A,2025-03-02 10:00:00,,false,1000\n\
                op2,A,2025-03-05 10:00:00,,false,2000\n\
                op3,C,2025-03-02 10:00:00,,false,3000\n\
                op4,C,2025-03-05 10:00:00,,false,4000\n";
    let case = JourneyCase::new(
        &[
            ("web_events", &day1),
            (
                "ad_clicks",
                "click_id,occurred_at,platform,campaign,anonymous_id,gclid\n",
            ),
            (
                "contacts",
                "contact_id,email,account_id,mql_at\nc1,ann@alpha.io,A,\nc3,cy@gamma.io,C,\n",
            ),
            ("accounts", ACCOUNTS),
            (
                "crm_activities",
                "activity_id,occurred_at,activity_type,contact_id,account_id\n",
            ),
            ("opportunities", opps),
        ],
        "",
    );
    case.run();
    let paths = "select account_id, opportunity_id, conversion_stage, string_agg(w.event_id, ',' order by position) \
                 from journey_staging.int_path_touches as p join journey_staging.int_web_events as w on w.event_key = p.touchpoint_id \
                 group by account_id, opportunity_id, conversion_stage order by 1, 2, 3";
    assert_eq!(
        case.query(paths),
        rows(&[
            "A|op1|opportunity|w1",
            "A|op2|opportunity|w2",
            "A|NULL|closed_won|w1,w2",
            "C|op3|opportunity|w5",
            "C|op4|opportunity|w6",
            "C|NULL|closed_won|w5,w6",
        ])
    );

    // Day 2: ann comes back after op2 (A's closed_won path grows, its
    // opportunity paths do not); op4 is deleted in the CRM (C loses its
    // path, and its other two come out the same).
    case.project.write(
        "data/web_events.csv",
        &format!("{day1}w3,2025-03-06 06:00:00,d1,,,page,https://acme.io/,,,,,\n"),
    );
    case.project.write(
        "data/opportunities.csv",
        &opps.replace("op4,C,2025-03-05 10:00:00,,false,4000\n", ""),
    );
    run_incrementally(
        &case,
        &[
            "journey.stage_events",
            "journey_staging.int_path_touches",
            "journey_staging.int_path_elements",
            "journey.conversion_paths",
        ],
    );
    assert_eq!(
        case.query(paths),
        rows(&[
            "A|op1|opportunity|w1",
            "A|op2|opportunity|w2",
            "A|NULL|closed_won|w1,w2,w3",
            "C|op3|opportunity|w5",
            "C|NULL|closed_won|w5,w6",
        ])
    );
    // C's lost path is gone from the tables read from int_path_touches too:
    // C keeps 2 paths (op3's and its non-converting closed_won one), not 3.
    assert_eq!(
        case.query(
            "select opportunity_id, conversion_stage from journey.conversion_paths \
             where account_id = 'C' order by 1, 2"
        ),
        rows(&["op3|opportunity", "NULL|closed_won"])
    );
    let incremental: Vec<_> = COMPARED.iter().map(|sql| case.query(sql)).collect();
    full_refresh(&case);
    for (sql, inc) in COMPARED.iter().zip(&incremental) {
        assert_eq!(
            &case.query(sql),
            inc,
            "incremental differs from full: {sql}"
        );
    }
}
