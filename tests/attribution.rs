//! Attribution on hand-worked paths, each on DuckDB and PostgreSQL; credits
//! must match the arithmetic written beside them to 1e-9.

mod common;
use common::JourneyCase;

/// One account's path: its touches (channel, day) and, if it converted, the
/// day of the opportunity. Each touch is its own visit at 10:00 on that day.
struct Path {
    touches: &'static [(&'static str, u32)],
    converted_on: Option<u32>,
    /// Day the account's contact became an MQL (lead creation).
    mql_on: Option<u32>,
}

impl Path {
    const fn new(touches: &'static [(&'static str, u32)], converted_on: Option<u32>) -> Path {
        Path {
            touches,
            converted_on,
            mql_on: None,
        }
    }
}

/// A web event that the channel rules classify as `channel`.
fn web_row(id: usize, account: usize, channel: &str, day: u32) -> String {
    let (referrer, source, medium) = match channel {
        "Paid Search" => ("", "google", "cpc"),
        "Email" => ("", "newsletter", "email"),
        "Referral" => ("https://www.g2.com/reviews", "", ""),
        "Organic Social" => ("https://www.linkedin.com/feed", "", ""),
        "Direct" => ("", "", ""),
        other => panic!("no web recipe for {other}"),
    };
    let email = format!("p{account}@a{account}.com");
    format!(
        "e{id},{},dev{account},,{email},page,https://acme.io/,{referrer},{source},{medium},,",
        at(day)
    )
}

fn at(day: u32) -> String {
    let d =
        chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Duration::days(day.into());
    format!("{d} 10:00:00")
}

fn case(paths: &[Path], extra: &str) -> JourneyCase {
    let mut web = String::from(
        "event_id,occurred_at,anonymous_id,user_id,email,event_type,url,referrer,utm_source,utm_medium,utm_campaign,gclid\n",
    );
    let mut contacts = String::from("contact_id,email,account_id,mql_at\n");
    let mut accounts = String::from("account_id,name\n");
    let mut opps = String::from("opportunity_id,account_id,created_at\n");
    let mut id = 0;
    for (a, path) in paths.iter().enumerate() {
        for (channel, day) in path.touches {
            id += 1;
            web.push_str(&web_row(id, a, channel, *day));
            web.push('\n');
        }
        let mql = path.mql_on.map(at).unwrap_or_default();
        contacts.push_str(&format!("c{a},p{a}@a{a}.com,A{a},{mql}\n"));
        accounts.push_str(&format!("A{a},Account {a}\n"));
        if let Some(day) = path.converted_on {
            opps.push_str(&format!("o{a},A{a},{}\n", at(day)));
        }
    }
    let journey = format!("  conversions: [{{stage: opportunity}}]\n{extra}");
    let case = JourneyCase::new(
        &[
            ("web_events", &web),
            ("contacts", &contacts),
            ("accounts", &accounts),
            ("opportunities", &opps),
        ],
        &journey,
    );
    case.run();
    case
}

/// (channel, credit) rows of a two-column query.
fn channel_credits(case: &JourneyCase, sql: &str) -> Vec<(String, f64)> {
    case.query(sql)
        .into_iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap()))
        .collect()
}

/// Credit per channel for `model`, over all conversions.
fn by_channel(case: &JourneyCase, model: &str) -> Vec<(String, f64)> {
    channel_credits(
        case,
        &format!(
            "select channel, sum(credit) from journey.attribution_touchpoints where model = '{model}' group by channel order by channel"
        ),
    )
}

/// The same totals as `by_channel`, read from the attribution_by_channel table
/// (summed from the stored credits, not from the view).
fn table_by_channel(case: &JourneyCase, model: &str) -> Vec<(String, f64)> {
    channel_credits(
        case,
        &format!(
            "select channel, conversions from journey.attribution_by_channel where model = '{model}' order by channel"
        ),
    )
}

fn assert_credits(got: &[(String, f64)], want: &[(&str, f64)]) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for ((gc, gv), (wc, wv)) in got.iter().zip(want) {
        assert_eq!(gc, wc, "{got:?}");
        assert!((gv - wv).abs() < 1e-9, "{gc}: {gv} != {wv} ({got:?})");
    }
}

fn every_conversion_sums_to_one(case: &JourneyCase) {
    let bad = case.query(
        "select path_id, model, sum(credit) from journey.attribution_touchpoints \
         group by path_id, model having abs(sum(credit) - 1) > 1e-9",
    );
    assert!(bad.is_empty(), "credits not summing to 1: {bad:?}");
}

const S: &str = "Paid Search";
const E: &str = "Email";
const R: &str = "Referral";

/// The example: C1 > C2 > C3 converts; C1 and C2 > C3 do not.
fn three_paths(extra: &str) -> JourneyCase {
    case(
        &[
            Path::new(&[(S, 0), (E, 7), (R, 14)], Some(14)),
            Path::new(&[(S, 0)], None),
            Path::new(&[(E, 0), (R, 7)], None),
        ],
        extra,
    )
}

#[test]
fn markov_and_heuristics_on_the_worked_example() {
    let c = three_paths("");
    // Transitions: (start)->S 2/3, (start)->E 1/3, S->E 1/2, S->(null) 1/2,
    // E->R 1, R->(conversion) 1/2, R->(null) 1/2.
    // P(conversion) = 2/3*1/2*1*1/2 + 1/3*1*1/2 = 1/6 + 1/6 = 1/3.
    // Without S: 1/3*1*1/2 = 1/6 -> RE = 1 - (1/6)/(1/3) = 0.5.
    // Without E or R every path is cut: RE = 1. Shares: 0.5/2.5, 1/2.5, 1/2.5.
    let re = c.query(
        "select channel, removal_effect, conversions from journey.markov_removal_effects order by channel",
    );
    let re: Vec<(String, f64, f64)> = re
        .iter()
        .map(|r| (r[0].clone(), r[1].parse().unwrap(), r[2].parse().unwrap()))
        .collect();
    let want = [(E, 1.0, 0.4), (S, 0.5, 0.2), (R, 1.0, 0.4)];
    for ((ch, effect, conv), (wch, weffect, wconv)) in re.iter().zip(want) {
        assert_eq!(ch, wch);
        assert!(
            (effect - weffect).abs() < 1e-9 && (conv - wconv).abs() < 1e-9,
            "{re:?}"
        );
    }
    assert_eq!(
        c.query("select round(probability * 6) from journey.markov_transitions where from_state = '(start)' order by to_state"),
        vec![vec!["2.0".to_owned()], vec!["4.0".to_owned()]] // E 1/3, S 2/3
    );
    assert_credits(&by_channel(&c, "markov"), &[(E, 0.4), (S, 0.2), (R, 0.4)]);
    // position-based, n = 3: 0.4 first, 0.2 middle, 0.4 last.
    assert_credits(
        &by_channel(&c, "position_based"),
        &[(E, 0.2), (S, 0.4), (R, 0.4)],
    );
    assert_credits(
        &by_channel(&c, "linear"),
        &[(E, 1.0 / 3.0), (S, 1.0 / 3.0), (R, 1.0 / 3.0)],
    );
    assert_credits(&by_channel(&c, "first_touch"), &[(S, 1.0)]);
    assert_credits(&by_channel(&c, "last_touch"), &[(R, 1.0)]);
    // time decay, half-life 7 days: touches 14, 7 and 0 days before the
    // conversion weigh 2^-2, 2^-1, 2^0 = 0.25, 0.5, 1 (sum 1.75).
    let decay = [(E, 0.5 / 1.75), (S, 0.25 / 1.75), (R, 1.0 / 1.75)];
    assert_credits(&by_channel(&c, "time_decay"), &decay);
    // The per-channel table: the same credits, one row per channel with a
    // credit above 0 (first touch: only S), markov from the removal effects.
    assert_credits(&table_by_channel(&c, "time_decay"), &decay);
    assert_credits(&table_by_channel(&c, "first_touch"), &[(S, 1.0)]);
    assert_credits(
        &table_by_channel(&c, "markov"),
        &[(E, 0.4), (S, 0.2), (R, 0.4)],
    );
    // No touch has a campaign: each model gives its one conversion to
    // '(none)': a row for each of the 11 models, each with 1 conversion.
    let campaigns = c.query(
        "select campaign, count(*), min(conversions), max(conversions) from journey.attribution_by_campaign group by campaign",
    );
    assert_eq!(campaigns.len(), 1, "{campaigns:?}");
    assert_eq!(campaigns[0][0], "(none)");
    assert_eq!(campaigns[0][1], "11");
    let (lo, hi): (f64, f64) = (
        campaigns[0][2].parse().unwrap(),
        campaigns[0][3].parse().unwrap(),
    );
    assert!(
        (lo - 1.0).abs() < 1e-9 && (hi - 1.0).abs() < 1e-9,
        "{campaigns:?}"
    );
    // Shapley: P(S > E > R) = 1/1. Leaving out S gives E > R, seen once without
    // converting: P = 0, marginal 1. Leaving out E (S > R) or R (S > E): never
    // seen, P = 0, marginal 1. Normalised: 1/3 each.
    assert_credits(
        &by_channel(&c, "shapley"),
        &[(E, 1.0 / 3.0), (S, 1.0 / 3.0), (R, 1.0 / 3.0)],
    );
    every_conversion_sums_to_one(&c);
    // The same numbers every run: a second run changes nothing.
    let before = c.query(
        "select channel, removal_effect from journey.markov_removal_effects order by channel",
    );
    c.run();
    assert_eq!(
        before,
        c.query(
            "select channel, removal_effect from journey.markov_removal_effects order by channel"
        )
    );
}

#[test]
fn shapley_leaves_out_only_the_first_element() {
    // S > E converts, E alone converts, S alone does not: P(S > E) = 1/1,
    // P(E) = 1/1, P(S) = 0/1. In S > E, leaving out S gives E: S's marginal
    // is max(1 - 1, 0) = 0; leaving out E gives S: E's is 1 - 0 = 1. So E
    // earns 1 there and S 0; E alone earns 1. By channel: E 2 (S's zero
    // credits give no row). With the default exposure transform the first
    // element has no element before it to merge with: leaving it out must
    // not drop the second too, which gave the key '' (P = 0), a marginal of
    // 1 for S and a 0.5 / 0.5 split of S > E (S 0.5, E 1.5).
    let c = case(
        &[
            Path::new(&[(S, 0), (E, 7)], Some(7)),
            Path::new(&[(E, 0)], Some(0)),
            Path::new(&[(S, 0)], None),
        ],
        "",
    );
    assert_credits(&by_channel(&c, "shapley"), &[(E, 2.0)]);
    every_conversion_sums_to_one(&c);
}

#[test]
fn shapley_cuts_a_middle_element_out_of_the_path_key() {
    // S > E > S converts; S > E and E > S do not. Each transform keeps
    // S > E > S as three elements (no repeat in a row), and cuts its
    // middle element E differently.
    //
    // exposure: leaving out E leaves S > S, merged into S. With S alone
    // converting, P(S) = 1/1, so E's marginal is P(S > E > S) - P(S) =
    // 1 - 1 = 0; leaving out the first S gives E > S (P = 0/1, marginal 1),
    // the last S gives S > E (P = 0/1, marginal 1): credits 1/2, 0, 1/2.
    // By channel: S 1/2 + 1/2 + 1 (S alone) = 2.
    let c = case(
        &[
            Path::new(&[(S, 0), (E, 7), (S, 14)], Some(14)),
            Path::new(&[(S, 0)], Some(0)),
            Path::new(&[(S, 0), (E, 7)], None),
            Path::new(&[(E, 0), (S, 7)], None),
        ],
        "",
    );
    assert_credits(&by_channel(&c, "shapley"), &[(S, 2.0)]);
    every_conversion_sums_to_one(&c);
    // unique: leaving out E leaves S > S, as it is. With S > S converting
    // (P = 1/1), E's marginal is 1 - 1 = 0 and each S's 1 - 0 = 1 as above:
    // 1/2, 0, 1/2. In S > S, leaving out either S gives S, never seen alone
    // (P = 0): 1/2 each. By channel: S 1/2 + 1/2 + 1/2 + 1/2 = 2.
    let c = case(
        &[
            Path::new(&[(S, 0), (E, 7), (S, 14)], Some(14)),
            Path::new(&[(S, 0), (S, 7)], Some(7)),
            Path::new(&[(S, 0), (E, 7)], None),
            Path::new(&[(E, 0), (S, 7)], None),
        ],
        "  attribution:\n    path_transform: unique\n",
    );
    assert_credits(&by_channel(&c, "shapley"), &[(S, 2.0)]);
    every_conversion_sums_to_one(&c);
}

#[test]
fn last_non_direct_and_a_direct_only_path() {
    let c = case(
        &[
            Path::new(&[(S, 0), ("Direct", 3)], Some(3)),
            Path::new(&[("Direct", 0), ("Direct", 1)], Some(2)),
        ],
        "",
    );
    // Path 1: the last non-direct touch is Paid Search. Path 2: Direct only.
    assert_credits(
        &by_channel(&c, "last_non_direct"),
        &[("Direct", 1.0), (S, 1.0)],
    );
    // Two touches: 1/2 each.
    assert_credits(
        &by_channel(&c, "position_based"),
        &[("Direct", 1.5), (S, 0.5)],
    );
}

#[test]
fn self_loops_collapse_in_the_markov_chain() {
    // S > S > E converts, E does not (exposure collapses S > S).
    let c = case(
        &[
            Path::new(&[(S, 0), (S, 1), (E, 2)], Some(2)),
            Path::new(&[(E, 0)], None),
        ],
        "",
    );
    // (start)->S 1/2, (start)->E 1/2, S->E 1, E->(conversion) 1/2, E->(null) 1/2.
    // P = 1/2*1*1/2 + 1/2*1/2 = 1/2. Without S: 1/2*1/2 = 1/4, RE = 0.5.
    // Without E: 0, RE = 1. Shares: S 1/3, E 2/3 (S's third split over its 2 touches).
    assert_eq!(c.query("select count(*) from journey.markov_transitions where from_state = 'Paid Search' and to_state = 'Paid Search'"), vec![vec!["0".to_owned()]]);
    assert_credits(&by_channel(&c, "markov"), &[(E, 2.0 / 3.0), (S, 1.0 / 3.0)]);
    assert_eq!(
        c.query("select round(credit * 6) from journey.attribution_touchpoints where model = 'markov' and channel = 'Paid Search'"),
        vec![vec!["1.0".to_owned()], vec!["1.0".to_owned()]]
    );
    // Linear counts touches, not channels: S 2/3, E 1/3.
    assert_credits(&by_channel(&c, "linear"), &[(E, 1.0 / 3.0), (S, 2.0 / 3.0)]);
}

#[test]
fn higher_order_markov_remembers_where_a_visitor_came_from() {
    // S > R converts, E > R does not.
    let paths = [
        Path::new(&[(S, 0), (R, 1)], Some(1)),
        Path::new(&[(E, 0), (R, 1)], None),
    ];
    // Order 1: R is shared: P = 1/2; without S: 1/2*0 + 1/2*1/2 = 1/4 -> 0.5;
    // without E likewise 0.5; without R: 0 -> 1. The converting path S > R
    // splits its conversion by removal effect: S 0.5/1.5, R 1/1.5.
    let c = case(&paths, "");
    assert_credits(&by_channel(&c, "markov"), &[(S, 1.0 / 3.0), (R, 2.0 / 3.0)]);
    let re = |c: &JourneyCase| {
        c.query("select channel, round(removal_effect * 4) from journey.markov_removal_effects order by channel")
    };
    assert_eq!(
        re(&c),
        common::rows(&["Email|2.0", "Paid Search|2.0", "Referral|4.0"])
    );
    // Order 2: states S, S > R (-> conversion), E, E > R (-> null): P = 1/2.
    // Without S: 0 -> RE 1; without E: still 1/2 -> RE 0; without R: 0 -> 1.
    let c = case(&paths, "  attribution:\n    markov_order: 2\n");
    assert_eq!(
        re(&c),
        common::rows(&["Email|0.0", "Paid Search|4.0", "Referral|4.0"])
    );
    assert_credits(&by_channel(&c, "markov"), &[(S, 0.5), (R, 0.5)]);
    // Order 3 on the same paths gives the same states (paths are short).
    let c = case(&paths, "  attribution:\n    markov_order: 3\n");
    assert_eq!(
        re(&c),
        common::rows(&["Email|0.0", "Paid Search|4.0", "Referral|4.0"])
    );
}

#[test]
fn milestones_that_coincide_add_their_weights() {
    // One path of 3 touches; the lead was created at the first touch (MQL on
    // day 0) and the opportunity at the last (day 14): FT = LC = 1, OC = CW = 3.
    let c = case(&[Path::new(&[(S, 0), (E, 7), (R, 14)], Some(14))], "");
    let per_position = |c: &JourneyCase, model: &str| -> Vec<f64> {
        c.query(&format!(
            "select a.credit from journey.attribution_touchpoints as a \
             join journey.touchpoints as t on t.touchpoint_id = a.touchpoint_id \
             where a.model = '{model}' order by t.occurred_at"
        ))
        .iter()
        .map(|r| r[0].parse().unwrap())
        .collect()
    };
    // Without an MQL, LC falls on FT too. U: FT+LC = 0.4 + 0.4, nothing
    // between them, so the 0.2 goes 50/50 to FT and LC: 1.0 on touch 1.
    assert_eq!(per_position(&c, "u_shaped"), vec![1.0]);
    // W: FT+LC 0.6 on touch 1, OC 0.3 on touch 3, touch 2 between FT and OC: 0.1.
    let w = per_position(&c, "w_shaped");
    assert!(
        (w[0] - 0.6).abs() < 1e-9 && (w[1] - 0.1).abs() < 1e-9 && (w[2] - 0.3).abs() < 1e-9,
        "{w:?}"
    );
    // Full path: FT+LC 0.45, OC+CW 0.45, touch 2 the 0.1 between.
    let f = per_position(&c, "full_path");
    assert!(
        (f[0] - 0.45).abs() < 1e-9 && (f[1] - 0.1).abs() < 1e-9 && (f[2] - 0.45).abs() < 1e-9,
        "{f:?}"
    );
    every_conversion_sums_to_one(&c);

    // With the MQL on day 7 (LC = touch 2): U gives 0.4 / 0.4 and the 0.2
    // between FT and LC has no touch: 0.5 / 0.5 (touch 3 gets nothing); W: 0.3
    // each on FT, LC and OC, and the 0.1 between FT and OC has no touch but
    // LC: 50/50 to FT and OC: 0.35 / 0.3 / 0.35.
    let c = case(
        &[Path {
            mql_on: Some(7),
            ..Path::new(&[(S, 0), (E, 7), (R, 14)], Some(14))
        }],
        "",
    );
    assert_eq!(per_position(&c, "u_shaped"), vec![0.5, 0.5]);
    let w = per_position(&c, "w_shaped");
    assert!(
        (w[0] - 0.35).abs() < 1e-9 && (w[1] - 0.3).abs() < 1e-9 && (w[2] - 0.35).abs() < 1e-9,
        "{w:?}"
    );
    every_conversion_sums_to_one(&c);
}

#[test]
fn one_touch_paths_and_conversions_without_touches() {
    let c = case(
        &[
            Path::new(&[(E, 10)], Some(10)),
            // Its only touch is 400 days before the conversion: outside the
            // 365-day lookback, so the conversion has no touch.
            Path::new(&[(S, 0)], Some(400)),
        ],
        "",
    );
    for model in [
        "first_touch",
        "linear",
        "position_based",
        "time_decay",
        "u_shaped",
        "w_shaped",
        "full_path",
        "markov",
        "shapley",
    ] {
        assert_credits(&by_channel(&c, model), &[("(no touch)", 1.0), (E, 1.0)]);
    }
    every_conversion_sums_to_one(&c);
    assert_eq!(
        c.query("select path_length, channel_path from journey.conversion_paths where converted order by path_length"),
        common::rows(&["0|", "1|Email"])
    );
}
