//! 100,000 mailboxes: instant start, every record paged through exactly once and equal to
//! the truth endpoint. Prints the throughput (pages/s, MB/s) for docs/benchmarks.md.

mod common;

use std::time::Instant;

use common::*;
use serde::Deserialize;
use serde_json::{json, value::RawValue, Value};

#[derive(Deserialize)]
struct RawPage<'a> {
    #[serde(borrow)]
    value: Vec<&'a RawValue>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

#[derive(Deserialize)]
struct GuidOnly {
    #[serde(rename = "Guid")]
    guid: String,
}

#[test]
fn pages_through_100000_mailboxes_against_truth() {
    let t0 = Instant::now();
    let env = start(100_000);
    let started = t0.elapsed();
    assert!(started.as_secs() < 10, "start took {started:?}");
    let token = app_token(&env);

    // Truth first, kept as lines (compared one by one as pages arrive).
    let t = Instant::now();
    let truth_text = env.http.get(format!("{}/truth/mailboxes", control(&env))).header("X-Sandbox-Key", env.sbx.control_key()).send().unwrap().text().unwrap();
    let truth_secs = t.elapsed().as_secs_f64();
    let truth: Vec<&str> = truth_text.lines().collect();
    assert_eq!(truth.len(), 100_000);

    let t = Instant::now();
    let mut url = invoke_url(&env);
    let (mut seen, mut pages, mut bytes) = (0usize, 0usize, 0usize);
    let mut guids = std::collections::HashSet::new();
    loop {
        let text = env.http.post(&url).bearer_auth(&token).header("Prefer", "odata.maxpagesize=1000")
            .json(&json!({"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {"ResultSize": "Unlimited"}}}))
            .send().unwrap().text().unwrap();
        let page: RawPage = serde_json::from_str(&text).unwrap();
        pages += 1;
        bytes += text.len();
        for raw in &page.value {
            // Every record: its Guid is the truth's, in the same order, never twice.
            let g: GuidOnly = serde_json::from_str(raw.get()).unwrap();
            let expect: GuidOnly = serde_json::from_str(truth[seen]).unwrap();
            assert_eq!(g.guid, expect.guid, "record {seen}");
            assert!(guids.insert(g.guid), "repeated record {seen}");
            // Every 20th record: all ~230 properties equal the truth's.
            if seen % 20 == 0 {
                let full: Value = serde_json::from_str(raw.get()).unwrap();
                assert_eq!(strip(&full), serde_json::from_str::<Value>(truth[seen]).unwrap(), "record {seen}");
            }
            seen += 1;
        }
        match page.next_link {
            Some(n) => url = n,
            None => break,
        }
    }
    let secs = t.elapsed().as_secs_f64();
    assert_eq!((seen, pages), (100_000, 100));

    // The server alone: the same pages read as bytes, only the nextLink picked out.
    let t = Instant::now();
    let (mut url, mut raw_pages, mut raw_bytes) = (invoke_url(&env), 0usize, 0usize);
    loop {
        let text = env.http.post(&url).bearer_auth(&token).header("Prefer", "odata.maxpagesize=1000")
            .json(&json!({"CmdletInput": {"CmdletName": "Get-Mailbox", "Parameters": {"ResultSize": "Unlimited"}}}))
            .send().unwrap().text().unwrap();
        raw_pages += 1;
        raw_bytes += text.len();
        match text.rfind("\"@odata.nextLink\":\"") {
            Some(p) => url = text[p + 19..text.len() - 2].to_string(),
            None => break,
        }
    }
    let raw_secs = t.elapsed().as_secs_f64();
    assert_eq!(raw_pages, 100);
    println!(
        "SANDBOX-THROUGHPUT-RAW pages={raw_pages} seconds={raw_secs:.1} pages_per_s={:.1} MB={:.0} MB_per_s={:.1} records_per_s={:.0}",
        raw_pages as f64 / raw_secs,
        raw_bytes as f64 / 1e6,
        raw_bytes as f64 / 1e6 / raw_secs,
        100_000.0 / raw_secs,
    );
    println!(
        "SANDBOX-THROUGHPUT start={:.2}s pages={pages} seconds={secs:.1} pages_per_s={:.1} MB={:.0} MB_per_s={:.1} (client parse and compare included) truth_ndjson_MB={:.0} truth_seconds={truth_secs:.1}",
        started.as_secs_f64(),
        pages as f64 / secs,
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / secs,
        truth_text.len() as f64 / 1e6,
    );
}
