//! An error body of any bytes becomes an ApiError whose text is one line with no control characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runs_core::ApiError;

fuzz_target!(|input: (u16, &[u8])| {
    let (status, body) = input;
    let error = ApiError::from_response(status, Some("req"), body);
    let text = error.to_string();
    assert!(!text.contains(|c: char| c.is_control()), "{text:?}");
    let _ = error.detail_lines().count();
    let _ = serde_json::from_slice::<runs_core::ErrorBody>(body);
});
