//! A list page of any bytes decodes to a page or a typed error, and the paginator takes any
//! page without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runs_core::ListRuns;
use runs_core::transport::{ListPage, Operation, Paginator, Response, Secrets, Step};

fuzz_target!(|body: &[u8]| {
    let headers: [(&str, &str); 0] = [];
    if let Ok(page) = ListPage::decode(Response { status: 200, headers: &headers, body }, &Secrets::default()) {
        let query = ListRuns::new("a".parse().expect("valid"), "p".parse().expect("valid"));
        let mut paginator = Paginator::new(query, Some(7));
        assert!(matches!(paginator.poll(), Step::Fetch(_)));
        let _ = paginator.handle_page(page);
        while let Step::Item(_) = paginator.poll() {}
    }
});
