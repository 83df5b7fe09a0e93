//! A process or a page of processes of any bytes decodes to a value or a typed error, and the
//! generic paginator takes any decoded page of processes without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runs_core::ListProcesses;
use runs_core::transport::{GetProcess, ListProcessesPage, Operation, Paginator, Response, Secrets, Step};

fuzz_target!(|body: &[u8]| {
    let headers: [(&str, &str); 0] = [];
    if let Ok(process) = GetProcess::decode(Response { status: 200, headers: &headers, body }, &Secrets::default()) {
        let _ = serde_json::to_vec(&process).expect("a decoded process encodes");
    }
    if let Ok(page) = ListProcessesPage::decode(Response { status: 200, headers: &headers, body }, &Secrets::default()) {
        let mut paginator = Paginator::new(ListProcesses::new("a".parse().expect("valid")), Some(7));
        assert!(matches!(paginator.poll(), Step::Fetch(_)));
        let _ = paginator.handle_page(page);
        while let Step::Item(_) = paginator.poll() {}
    }
});
