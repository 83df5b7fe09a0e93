//! A file target of any bytes decodes to a target or a typed error; a decoded target is planned
//! into an upload or refused with a typed error, and a planned upload never carries the API key
//! and always has an exact Content-Length.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use runs_core::transport::{Action, Machine, Operation, PostFile, Response, Secrets, Upload};
use runs_core::Config;

fuzz_target!(|input: (u64, u64, &[u8])| {
    let (size, seed, body) = input;
    let headers: [(&str, &str); 0] = [];
    let Ok(target) = PostFile::decode(Response { status: 201, headers: &headers, body }, &Secrets::default()) else {
        return;
    };
    let config = Config::builder()
        .api_key("sk-FUZZ-KEY")
        .base_url("https://api.test/v2")
        .build()
        .expect("valid config");
    let Ok(mut upload) = Upload::new(&config, &target, size, seed) else {
        return;
    };
    let Action::Send { request, .. } = upload.poll(Duration::ZERO) else {
        panic!("a new upload sends first");
    };
    assert!(request.headers().iter().all(|(n, v)| n != "x-api-key" && !v.contains("sk-FUZZ-KEY")));
    let length = request.head().len() as u64 + request.file_size() + request.tail().len() as u64;
    assert_eq!(request.content_length(), length);
    let _ = format!("{request:?}");
});
