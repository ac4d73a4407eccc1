//! Source presets: tiny tables in each landing layout, declared by a preset
//! and a schema only, run on both engines (read in place in the warehouse);
//! the rows that come out prove the preset's mapping.

mod common;
use common::{JourneyCase, TestProject, rows, stderr};

#[test]
fn segment_identify_links_an_anonymous_visit_to_an_email_without_being_a_touch() {
    // Device a1 browses anonymously, signs up, and is identified; a second
    // device a2 of the same user comes back days later. The identify rows
    // are the only place the email appears.
    let setup = r#"
        create schema segment_prod;
        create table segment_prod.pages (id text, anonymous_id text, user_id text, "timestamp" timestamp, url text, path text, referrer text, title text);
        create table segment_prod.tracks (id text, anonymous_id text, user_id text, "timestamp" timestamp, event text, event_text text, context_page_url text, context_page_referrer text);
        create table segment_prod.identifies (id text, anonymous_id text, user_id text, "timestamp" timestamp, email text);
        insert into segment_prod.pages values
            ('p1', 'a1', null, '2024-03-01 10:00:00', 'https://acme.io/pricing?utm_source=google&utm_medium=cpc&utm_campaign=brand', '/pricing', 'https://www.google.com/', 'Pricing'),
            ('p2', 'a1', null, '2024-03-01 10:05:00', 'https://acme.io/signup', '/signup', 'https://acme.io/pricing', 'Sign up'),
            ('p3', 'a2', 'u1', '2024-03-05 09:00:00', 'https://acme.io/docs', '/docs', null, 'Docs');
        insert into segment_prod.tracks values
            ('t1', 'a1', 'u1', '2024-03-01 10:06:00', 'signed_up', 'Signed Up', 'https://acme.io/signup', 'https://acme.io/pricing');
        insert into segment_prod.identifies values
            ('i1', 'a1', 'u1', '2024-03-01 10:06:30', 'Jane@Initech.com'),
            ('i2', 'a2', 'u1', '2024-03-10 08:00:00', null);
    "#;
    let case = JourneyCase::with_tables(
        setup,
        "  segment:\n    preset: segment\n    schema: segment_prod\n",
    );
    case.run();
    // Pages and tracks are touches; the identifies are not.
    assert_eq!(
        case.query(
            "select touch_type, event_type, channel, utm_source, cast(occurred_at as varchar) from journey.touchpoints order by occurred_at"
        ),
        rows(&[
            "web|page_view|Paid Search|google|2024-03-01 10:00:00",
            "web|page_view|Paid Search|NULL|2024-03-01 10:05:00",
            "web|track|Paid Search|NULL|2024-03-01 10:06:00",
            "web|page_view|Direct|NULL|2024-03-05 09:00:00",
        ])
    );
    // One person: the identify tied device a1 to the email and user u1, and u1 to device a2.
    assert_eq!(
        case.query("select count(distinct person_id), count(person_id) from journey.touchpoints"),
        rows(&["1|4"])
    );
    assert_eq!(
        case.query("select email from journey.persons"),
        rows(&["jane@initech.com"])
    );
    // The identify of 10 March opened no session and landed nowhere.
    assert_eq!(
        case.query(
            "select cast(started_at as varchar), page_views, landing_page from journey.sessions order by started_at"
        ),
        rows(&[
            "2024-03-01 10:00:00|2|https://acme.io/pricing?utm_source=google&utm_medium=cpc&utm_campaign=brand",
            "2024-03-05 09:00:00|1|https://acme.io/docs",
        ])
    );
}

#[test]
fn rudderstack_reads_the_same_layout() {
    let setup = r#"
        create schema rudder;
        create table rudder.pages (id text, anonymous_id text, user_id text, "timestamp" timestamp, url text, referrer text, title text);
        create table rudder.tracks (id text, anonymous_id text, user_id text, "timestamp" timestamp, event text, event_text text, context_page_url text, context_page_referrer text);
        create table rudder.identifies (id text, anonymous_id text, user_id text, "timestamp" timestamp, email text);
        insert into rudder.pages values ('p1', 'r1', null, '2024-04-01 12:00:00', 'https://acme.io/', 'https://news.ycombinator.com/', 'Home');
        insert into rudder.identifies values ('i1', 'r1', 'u9', '2024-04-01 12:01:00', 'max@globex.com');
    "#;
    let case = JourneyCase::with_tables(setup, "  rudder:\n    preset: rudderstack\n");
    case.run();
    assert_eq!(
        case.query("select t.channel, p.email from journey.touchpoints as t join journey.persons as p on p.person_id = t.person_id"),
        rows(&["Organic Social|max@globex.com"])
    );
}

#[test]
fn fivetran_hubspot_deal_reaches_closed_won_for_its_company() {
    let setup = r#"
        create schema hubspot;
        create table hubspot.contact (id bigint, _fivetran_deleted boolean, property_email text, property_createdate timestamp,
            property_hs_lifecyclestage_marketingqualifiedlead_date timestamp, property_hs_lifecyclestage_salesqualifiedlead_date timestamp,
            property_jobtitle text, property_associatedcompanyid bigint);
        create table hubspot.company (id bigint, is_deleted boolean, property_name text, property_domain text, property_industry text,
            property_numberofemployees bigint, property_annualrevenue double precision, property_country text, property_createdate timestamp);
        create table hubspot.deal (deal_id bigint, is_deleted boolean, property_createdate timestamp, property_closedate timestamp,
            property_hs_is_closed boolean, property_hs_is_closed_won boolean, property_amount double precision);
        create table hubspot.deal_company (deal_id bigint, company_id bigint);
        create table hubspot.deal_contact (deal_id bigint, contact_id bigint);
        create table hubspot.engagement (id bigint, type text, "timestamp" timestamp, created_at timestamp);
        create table hubspot.engagement_contact (engagement_id bigint, contact_id bigint);
        create table hubspot.engagement_company (engagement_id bigint, company_id bigint);
        create table hubspot.email_event (id text, created timestamp, recipient text, type text, email_campaign_id bigint);
        insert into hubspot.contact values
            (101, false, 'jane@initech.com', '2024-01-10 09:00:00', '2024-02-01 00:00:00', '2024-02-10 00:00:00', 'VP Marketing', 501),
            (102, true, 'bob@initech.com', '2024-01-11 09:00:00', '2024-01-12 00:00:00', null, 'Intern', 501);
        insert into hubspot.company values
            (501, false, 'Initech', 'initech.com', 'Software', 250, 30000000, 'us', '2024-01-05 00:00:00'),
            (502, true, 'Gone Corp', 'gone.example', null, null, null, null, '2024-01-05 00:00:00');
        insert into hubspot.deal values
            (9001, false, '2024-02-15 00:00:00', '2024-03-20 00:00:00', true, true, 12000),
            (9002, false, '2024-03-01 00:00:00', '2024-06-30 00:00:00', false, false, 8000);
        insert into hubspot.deal_company values (9001, 501), (9002, 501);
        insert into hubspot.deal_contact values (9001, 101);
        insert into hubspot.engagement values
            (7001, 'CALL', '2024-02-12 15:00:00', '2024-02-12 15:30:00'),
            (7002, 'NOTE', '2024-02-13 10:00:00', '2024-02-13 10:00:00'),
            (7003, 'INCOMING_EMAIL', '2024-02-14 08:00:00', '2024-02-14 08:00:00');
        insert into hubspot.engagement_contact values (7001, 101), (7002, 101), (7003, 101);
        insert into hubspot.engagement_company values (7001, 501);
        insert into hubspot.email_event values
            ('e1', '2024-01-20 07:00:00', 'Jane@Initech.com', 'SENT', 42),
            ('e2', '2024-01-20 07:30:00', 'jane@initech.com', 'OPEN', 42);
    "#;
    let case = JourneyCase::with_tables(
        setup,
        "  hubspot:\n    preset: fivetran_hubspot\n    schema: hubspot\n",
    );
    case.run();
    assert_eq!(
        case.query(
            "select account_id, stage, opportunity_id, cast(reached_at as varchar), value from journey.stage_events where stage <> 'awareness' order by reached_at, stage"
        ),
        rows(&[
            "501|mql|NULL|2024-02-01 00:00:00|NULL",
            "501|sql|NULL|2024-02-10 00:00:00|NULL",
            "501|opportunity|9001|2024-02-15 00:00:00|12000.0",
            "501|opportunity|9002|2024-03-01 00:00:00|8000.0",
            "501|closed_won|9001|2024-03-20 00:00:00|12000.0",
        ])
    );
    // The email open, the call and the incoming email are touches of Jane's;
    // the note is not, nor is the send.
    assert_eq!(
        case.query(
            "select t.touch_type, t.channel, p.email, t.account_id from journey.touchpoints as t join journey.persons as p on p.person_id = t.person_id order by t.occurred_at"
        ),
        rows(&[
            "email_open|Email|jane@initech.com|501",
            "call|Sales|jane@initech.com|501",
            "sales_email|Sales|jane@initech.com|501",
        ])
    );
    assert_eq!(
        case.query("select account_id, name, domain, employee_count from journey.accounts"),
        rows(&["501|Initech|initech.com|250"])
    );
}

#[test]
fn fivetran_salesforce_task_on_a_lead_becomes_a_sales_touch() {
    let setup = r#"
        create schema salesforce;
        create table salesforce.account (id text, is_deleted boolean, name text, website text, industry text, number_of_employees bigint,
            annual_revenue double precision, billing_country text, created_date timestamp);
        create table salesforce.contact (id text, is_deleted boolean, email text, account_id text, created_date timestamp, title text);
        create table salesforce.lead (id text, is_deleted boolean, email text, converted_account_id text, created_date timestamp,
            converted_date date, title text);
        create table salesforce.opportunity (id text, is_deleted boolean, account_id text, created_date timestamp, close_date date,
            is_won boolean, is_closed boolean, amount double precision, contact_id text);
        create table salesforce.task (id text, is_deleted boolean, is_closed boolean, activity_date date, created_date timestamp,
            type text, task_subtype text, who_id text, account_id text, subject text);
        create table salesforce.event (id text, is_deleted boolean, activity_date_time timestamp, activity_date date, type text,
            who_id text, account_id text);
        insert into salesforce.account values
            ('001A', false, 'Initech', 'https://www.initech.com/', 'Software', 250, 30000000, 'US', '2024-01-05 00:00:00');
        insert into salesforce.contact values ('003A', false, 'jane@initech.com', '001A', '2024-02-20 00:00:00', 'VP Marketing');
        insert into salesforce.lead values ('00QA', false, 'Jane@Initech.com', '001A', '2024-01-15 00:00:00', '2024-02-20', 'VP Marketing');
        insert into salesforce.opportunity values
            ('006A', false, '001A', '2024-02-21 00:00:00', '2024-03-15', true, true, 5000, '003A'),
            ('006B', true, '001A', '2024-02-22 00:00:00', '2024-03-16', true, true, 99999, '003A');
        insert into salesforce.task values
            ('00TA', false, true, '2024-02-05', '2024-02-05 10:00:00', 'Call', 'Call', '00QA', null, 'Intro call'),
            ('00TB', false, true, '2024-02-06', '2024-02-06 10:00:00', null, 'Task', '00QA', null, 'Send deck'),
            ('00TC', false, false, '2024-04-01', '2024-02-07 10:00:00', 'Call', 'Call', '003A', '001A', 'Follow-up');
        insert into salesforce.event values ('00UA', false, '2024-02-25 10:00:00', '2024-02-25', null, '003A', '001A');
    "#;
    let case = JourneyCase::with_tables(setup, "  salesforce:\n    preset: fivetran_salesforce\n");
    case.run();
    // The logged call on the lead (before conversion) and the meeting are
    // Sales touches of the one person; the to-do and the open task are not.
    assert_eq!(
        case.query(
            "select t.touch_type, t.channel, cast(t.occurred_at as varchar), p.email, t.account_id from journey.touchpoints as t join journey.persons as p on p.person_id = t.person_id order by t.occurred_at"
        ),
        rows(&[
            "call|Sales|2024-02-05 00:00:00|jane@initech.com|001A",
            "meeting|Sales|2024-02-25 10:00:00|jane@initech.com|001A",
        ])
    );
    assert_eq!(
        case.query(
            "select stage, opportunity_id, cast(reached_at as varchar), value from journey.stage_events where stage <> 'awareness' order by reached_at, stage"
        ),
        rows(&[
            "sql|NULL|2024-02-20 00:00:00|NULL",
            "opportunity|006A|2024-02-21 00:00:00|5000.0",
            "closed_won|006A|2024-03-15 00:00:00|5000.0",
        ])
    );
    assert_eq!(
        case.query("select account_id, domain, country from journey.accounts"),
        rows(&["001A|initech.com|US"])
    );
}

#[test]
fn a_table_given_in_the_group_replaces_the_presets_entry() {
    // This landing names the email trait `user_email`: one entry fixes it.
    let setup = r#"
        create schema web;
        create table web.pages (id text, anonymous_id text, user_id text, "timestamp" timestamp, url text, referrer text, title text);
        create table web.identifies (id text, anonymous_id text, user_id text, "timestamp" timestamp, user_email text);
        insert into web.pages values ('p1', 'a1', null, '2024-05-01 09:00:00', 'https://acme.io/', null, 'Home');
        insert into web.identifies values ('i1', 'a1', 'u1', '2024-05-01 09:01:00', 'kim@hooli.com');
    "#;
    let sources = "  web:\n    preset: segment\n    exclude: [tracks]\n    tables:\n      identifies:\n        kind: web_events\n        columns:\n          occurred_at: timestamp\n          anonymous_id: anonymous_id\n          user_id: user_id\n          email: user_email\n          event_type: \"'identify'\"\n";
    let case = JourneyCase::with_tables(setup, sources);
    case.run();
    assert_eq!(
        case.query("select p.email, count(*) from journey.touchpoints as t join journey.persons as p on p.person_id = t.person_id group by p.email"),
        rows(&["kim@hooli.com|1"])
    );
}

#[test]
fn unknown_preset_is_located_with_a_suggestion() {
    let p = TestProject::new("sources:\n  web:\n    schema: segment_prod\n    preset: segmnet\n");
    let a = p.jmap(&["compile"]).code(2);
    let err = stderr(&a);
    assert!(
        err.contains("source group `web`: unknown preset `segmnet`"),
        "{err}"
    );
    assert!(err.contains("journey.yaml:6"), "{err}");
    assert!(err.contains("did you mean `segment`?"), "{err}");
}

#[test]
fn a_failing_query_source_is_named_before_any_model_runs() {
    let p = TestProject::new(
        "sources:\n  crm:\n    tables:\n      deals:\n        kind: opportunities\n        query: select * from {schema}.deal_missing\n",
    );
    p.write(
        "models/deals.sql",
        "select opportunity_id from {{ source('crm', 'deals') }}\n",
    );
    let a = p.jmap(&["run"]).code(2);
    let err = stderr(&a);
    assert!(
        err.contains("source `crm.deals`: its query failed"),
        "{err}"
    );
    assert!(err.contains("deal_missing"), "{err}");
    assert!(err.contains("journey.yaml:8"), "{err}");
    let out = common::stdout(&a);
    assert!(!out.contains("journey.deals"), "a model ran:\n{out}");
}

#[test]
fn a_query_source_is_read_as_a_named_subquery() {
    let p = TestProject::new(
        "sources:\n  crm:\n    schema: main\n    tables:\n      deals:\n        kind: opportunities\n        query: |\n          select 'd1' as opportunity_id, 'a1' as account_id, cast('2024-01-01' as timestamp) as created_at -- one deal\n",
    );
    p.write(
        "models/deal_ids.sql",
        "select deals.opportunity_id from {{ source('crm', 'deals') }}\n",
    );
    p.jmap(&["run"]).success();
    assert_eq!(p.query("select * from journey.deal_ids"), vec![vec!["d1"]]);
}

#[test]
fn a_preset_column_the_landing_lacks_points_at_the_preset() {
    // No page ever carried a title here, so the column was never created.
    let setup = r#"
        create schema web;
        create table web.pages (id text, anonymous_id text, user_id text, "timestamp" timestamp, url text, referrer text);
        create table web.identifies (id text, anonymous_id text, user_id text, "timestamp" timestamp, email text);
    "#;
    let case = JourneyCase::with_tables(
        setup,
        "  web:\n    preset: segment\n    exclude: [tracks]\n",
    );
    let a = case.project.jmap(&["run"]).code(2);
    let err = stderr(&a);
    assert!(
        err.contains("source `web.pages`: table web.pages has no column `title`"),
        "{err}"
    );
    assert!(err.contains("journey.yaml:12"), "{err}"); // `preset: segment`
    assert!(
        err.contains("the table comes from preset `segment`"),
        "{err}"
    );
    assert!(err.contains("give `pages` under `tables:`"), "{err}");
}

#[test]
fn a_query_source_cannot_come_through_a_connection() {
    let p = TestProject::new(
        "connections:\n  crm_db:\n    engine: postgres\n    url: postgres://nobody@127.0.0.1:1/none\nsources:\n  hubspot:\n    preset: fivetran_hubspot\n    connection: crm_db\n",
    );
    let a = p.jmap(&["run"]).code(2);
    let err = stderr(&a);
    assert!(
        err.contains(
            "source `hubspot.deals` is a `query:`, but its group reads from connection `crm_db`"
        ),
        "{err}"
    );
    assert!(err.contains("exclude: [deals]"), "{err}");
}
