//! A run body of any bytes decodes to a run or a typed error, and a run that decodes survives
//! a round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runs_core::{Response, wire};

fuzz_target!(|body: &[u8]| {
    let headers: [(&str, &str); 0] = [];
    if let Ok(run) = wire::decode_run(Response { status: 200, headers: &headers, body }) {
        let text = serde_json::to_vec(&run).expect("a decoded run encodes");
        let again = wire::decode_run(Response { status: 200, headers: &headers, body: &text }).expect("and decodes again");
        assert_eq!(again, run);
    }
});
