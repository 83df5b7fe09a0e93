//! Realistic response bodies: what the API sends for a run and for a page of 100 runs.

use std::fmt::Write;

/// One run as the service writes it: outputs of mixed types, a few file ids.
pub fn run_json(i: usize) -> String {
    format!(
        concat!(
            r#"{{"id":"b4fznghynbdemslfd5k{i:06}","name":"Invoice batch {i} for March","#,
            r#""agent_id":"agent-7f3k2m9q","process_id":"invoice-ocr-v2","stage":"Published","#,
            r#""status":"Succeeded","created_at":"2026-03-01T09:{m:02}:{s:02}.123456","#,
            r#""file_ids":["s3://uploads/acme/{i}/invoices.zip","file_9c8b7a6d5e4f"],"#,
            r#""outputs":[{{"name":"total","value":"1234.56"}},{{"name":"pages","value":{i}}},"#,
            r#"{{"name":"summary","value":"Processed 42 invoices; 3 need review"}}],"#,
            r#""trace_id":"ignored-unknown-field"}}"#
        ),
        i = i,
        m = i / 60 % 60,
        s = i % 60
    )
}

/// A page of `n` runs with a continuation token.
pub fn page_json(n: usize) -> String {
    let mut out = String::from(r#"{"items":["#);
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&run_json(i));
    }
    let _ = write!(out, r#"],"continuation_token":"eyJvZmZzZXQiOjEwMH0="}}"#);
    out
}
