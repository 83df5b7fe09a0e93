//! A list page of any bytes decodes to a page or a typed error, and the paginator takes any
//! page without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runs_core::{ListRuns, Paginator, Response, paginate::Step, wire};

fuzz_target!(|body: &[u8]| {
    let headers: [(&str, &str); 0] = [];
    if let Ok(page) = wire::decode_page(Response { status: 200, headers: &headers, body }) {
        let query = ListRuns::new("a".parse().expect("valid"), "p".parse().expect("valid"));
        let mut paginator = Paginator::new(query, Some(7));
        assert!(matches!(paginator.poll(), Step::Fetch(_)));
        let _ = paginator.handle_page(page);
        while let Step::Item(_) = paginator.poll() {}
    }
});
