//! A storage error response of any bytes becomes a StorageError whose text is one line with no
//! control characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runs_core::StorageError;

fuzz_target!(|input: (u16, &str, &[u8])| {
    let (status, request_id, body) = input;
    let error = StorageError::from_response(status, &[("x-amz-request-id", request_id)], body);
    let text = error.to_string();
    assert!(!text.contains(|c: char| c.is_control()), "{text:?}");
    let _ = (error.code(), error.message(), error.is_expired(), error.is_retryable());
});
