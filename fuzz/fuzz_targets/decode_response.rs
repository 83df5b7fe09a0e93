//! A whole response (status, headers, body) of any bytes, fed to the call, listing and wait
//! machines: they answer with an action, never a panic.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use runs_core::transport::{Action, Call, GetHealth, GetProcess, GetRun, HeaderSource, Listing, Machine, PostFile, Response, Wait};
use runs_core::{Config, CreateFile, ListProcesses, ListRuns, WaitPolicy};

fn feed<M: Machine>(machine: &mut M, status: u16, headers: &dyn HeaderSource, body: &[u8]) {
    let mut now = Duration::ZERO;
    for _ in 0..4 {
        match machine.poll(now) {
            Action::Send { .. } => machine.handle_response(now, Response { status, headers, body }),
            Action::Sleep(d) => now += d,
            Action::Done(_) => return,
        }
    }
}

fuzz_target!(|input: (u16, &str, &str, &str, &[u8])| {
    let (status, retry_after, date, location, body) = input;
    let headers = [("retry-after", retry_after), ("date", date), ("location", location), ("x-request-id", retry_after)];
    let config = Config::builder()
        .api_key("k")
        .base_url("http://127.0.0.1:1/v2")
        .build()
        .expect("valid config");
    feed(&mut Call::new(&config, GetRun("r".parse().expect("valid")), 1), status, &headers, body);
    let query = ListRuns::new("a".parse().expect("valid"), "p".parse().expect("valid"));
    feed(&mut Listing::new(&config, query, None, 1), status, &headers, body);
    let run_id = "r".parse().expect("valid");
    feed(&mut Wait::new(&config, run_id, WaitPolicy::default(), 1), status, &headers, body);
    feed(&mut Call::new(&config, GetHealth, 1), status, &headers, body);
    feed(&mut Call::new(&config, PostFile(CreateFile::new("f").expect("valid")), 1), status, &headers, body);
    let get = GetProcess::new("a".parse().expect("valid"), "p".parse().expect("valid"));
    feed(&mut Call::new(&config, get, 1), status, &headers, body);
    let processes = ListProcesses::new("a".parse().expect("valid"));
    feed(&mut Listing::new(&config, processes, None, 1), status, &headers, body);
    let _ = runs_core::Timestamp::parse(date);
});
