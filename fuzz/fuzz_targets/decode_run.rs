//! A run body of any bytes decodes to a run or a typed error, a run that decodes survives a
//! round trip, and the wire's reader answers as serde's derived decoder does (but where
//! docs/decisions.md says it is stricter: a body that is not UTF-8, a struct as an array).
#![no_main]

use libfuzzer_sys::fuzz_target;
use runs_core::transport::{GetRun, Operation, Response, Secrets};

fuzz_target!(|body: &[u8]| {
    let headers: [(&str, &str); 0] = [];
    let decoded = GetRun::decode(Response { status: 200, headers: &headers, body }, &Secrets::default());
    // serde's derive also takes a struct written as an array of its fields; the reader does not.
    let struct_as_array = matches!(&decoded, Err(e) if e.to_string().contains("invalid type: sequence, expected struct"));
    if let (Ok(text), false) = (std::str::from_utf8(body), struct_as_array) {
        let by_serde = serde_json::from_slice::<runs_core::Run>(body).ok();
        assert_eq!(decoded.as_ref().ok(), by_serde.as_ref(), "{text:?}");
    }
    if let Ok(run) = decoded {
        let text = serde_json::to_vec(&run).expect("a decoded run encodes");
        let again = GetRun::decode(Response { status: 200, headers: &headers, body: &text }, &Secrets::default()).expect("and decodes again");
        assert_eq!(again, run);
    }
});
