//! A process or a page of processes of any bytes decodes to a value or a typed error, and the
//! generic paginator takes any decoded page of processes without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runs_core::{ListProcesses, Paginator, Response, paginate::Step, wire};

fuzz_target!(|body: &[u8]| {
    let headers: [(&str, &str); 0] = [];
    if let Ok(process) = wire::decode_process(Response { status: 200, headers: &headers, body }) {
        let _ = serde_json::to_vec(&process).expect("a decoded process encodes");
    }
    if let Ok(page) = wire::decode_process_page(Response { status: 200, headers: &headers, body }) {
        let mut paginator = Paginator::new(ListProcesses::new("a".parse().expect("valid")), Some(7));
        assert!(matches!(paginator.poll(), Step::Fetch(_)));
        let _ = paginator.handle_page(page);
        while let Step::Item(_) = paginator.poll() {}
    }
});
