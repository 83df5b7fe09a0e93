//! `runs quickstart`: the README's first command.

use crate::harness::{bare, outcome, snapshot_outcome};

#[test]
fn quickstart_walks_through_every_step_with_no_key_or_network() {
    // A proxy in the environment must not matter: the emulator is on loopback.
    let out = outcome(
        bare()
            .arg("quickstart")
            .env("HTTPS_PROXY", "http://127.0.0.1:1")
            .env("HTTP_PROXY", "http://127.0.0.1:1"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot_outcome("quickstart", &out);
}
