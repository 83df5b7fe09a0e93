//! The response bodies decoded: the same realistic run and page of runs as the benches'
//! (`benches/src/fixture.rs`), made here because that crate needs `std`. Built before any
//! measure begins, and in the baseline too, so their code is not counted as runs-core's.

use alloc::string::String;
use core::fmt::Write;

/// One run as the service writes it: outputs of mixed types, a few file ids.
pub fn run_json(i: usize) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
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
    );
    out
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
    out.push_str(r#"],"continuation_token":"eyJvZmZzZXQiOjEwMH0="}"#);
    out
}
