//! A run body of any bytes decodes to a run or a typed error, and a run that decodes survives
//! a round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runs_core::transport::{GetRun, Operation, Response, Secrets};

fuzz_target!(|body: &[u8]| {
    let headers: [(&str, &str); 0] = [];
    if let Ok(run) = GetRun::decode(Response { status: 200, headers: &headers, body }, &Secrets::default()) {
        let text = serde_json::to_vec(&run).expect("a decoded run encodes");
        let again = GetRun::decode(Response { status: 200, headers: &headers, body: &text }, &Secrets::default()).expect("and decodes again");
        assert_eq!(again, run);
    }
});
