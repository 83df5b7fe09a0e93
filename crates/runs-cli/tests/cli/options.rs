//! The global options and their RUNS_* fallbacks: key, base URL over region, TLS roots,
//! timeouts and attempts.

use std::io::Write;

use predicates::prelude::*;

use runs_blocking::ProcessStage;
use runs_emulator::{HELLO_WORLD, Route};

use crate::harness::{KEY, bare, builder, emulator, outcome, runs, seed_run, snapshot};

#[test]
fn options_fall_back_to_their_environment_variables() {
    let emu = emulator();
    let run = seed_run(&emu, HELLO_WORLD, "env", ProcessStage::Draft);
    let out = outcome(
        bare()
            .args(["get", run.id.as_str()])
            .env("RUNS_API_KEY", KEY)
            .env("RUNS_BASE_URL", emu.base_url())
            .env("RUNS_OUTPUT", "json")
            .env("RUNS_REQUEST_TIMEOUT", "5.5"),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert!(out.stdout.starts_with('{'), "{}", out.stdout);
}

#[test]
fn options_go_before_or_after_the_command_and_flags_win_over_the_environment() {
    let emu = emulator();
    let run = seed_run(&emu, HELLO_WORLD, "after", ProcessStage::Draft);
    let out = outcome(
        bare()
            .args([
                "get",
                run.id.as_str(),
                "--api-key",
                KEY,
                "--base-url",
                emu.base_url(),
            ])
            .env("RUNS_API_KEY", "wrong-key")
            .env("RUNS_BASE_URL", "http://127.0.0.1:1/v2"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn base_url_wins_over_region() {
    let emu = emulator();
    let run = seed_run(&emu, HELLO_WORLD, "region", ProcessStage::Draft);
    let out = outcome(runs(&emu, &["--region", "eu", "get", run.id.as_str()]).env("RUNS_REGION", "uk"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(emu.counters().get_run, 1);
}

#[test]
fn a_region_must_be_us_eu_or_uk() {
    bare()
        .args(["get", "r1", "--api-key", "k"])
        .env("RUNS_REGION", "mars")
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::starts_with(
            "error: invalid value 'mars' for '--region <REGION>'",
        ));
    // Any case is accepted.
    bare()
        .args(["--region", "EU", "get", "r/1", "--api-key", "k"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RUN_ID must contain only"));
}

#[test]
fn a_missing_key_exits_2_before_any_request() {
    let emu = emulator();
    for args in [
        &["get", "r1"][..],
        &["list", "--agent-id", "a", "--process-id", "p"],
    ] {
        let out = outcome(bare().args(["--base-url", emu.base_url()]).args(args));
        assert_eq!((out.code, out.stdout.as_str()), (2, ""));
        snapshot("missing_key", &out.stderr);
    }
    let out = outcome(
        bare()
            .args(["--base-url", emu.base_url(), "get", "r1"])
            .env("RUNS_API_KEY", ""),
    );
    assert_eq!(out.code, 2);
    assert_eq!(emu.counters().connections, 0);
}

#[test]
fn unusable_settings_exit_2_before_any_request() {
    let emu = emulator();
    for (name, args) in [
        (
            "zero_request_timeout",
            &["--request-timeout", "0", "get", "r1"][..],
        ),
        ("key_with_a_space", &["--api-key", "two words", "get", "r1"]),
        (
            "missing_ca_file",
            &["--ca-cert", "/nonexistent/ca.pem", "get", "r1"],
        ),
    ] {
        let out = outcome(runs(&emu, args));
        assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{name}: {}", out.stderr);
        snapshot(&format!("invalid_{name}"), &out.stderr);
    }
    let out = outcome(bare().args([
        "--api-key",
        KEY,
        "--base-url",
        "ftp://example.com/v2",
        "get",
        "r1",
    ]));
    assert_eq!(out.code, 2);
    snapshot("invalid_base_url", &out.stderr);
    assert_eq!(emu.counters().connections, 0);
}

#[test]
fn https_works_with_the_emulators_ca_and_fails_without_it() {
    let emu = builder().tls(true).start().unwrap();
    let run = seed_run_tls(&emu);
    let mut ca = tempfile::NamedTempFile::new().unwrap();
    ca.write_all(emu.ca_pem().unwrap().as_bytes()).unwrap();

    let with_ca = outcome(runs(
        &emu,
        &["--ca-cert", ca.path().to_str().unwrap(), "get", run.as_str()],
    ));
    assert_eq!(with_ca.code, 0, "{}", with_ca.stderr);

    let without = outcome(runs(&emu, &["--max-attempts", "1", "get", run.as_str()]));
    assert_eq!(without.code, 4);
    assert!(
        without.stderr.starts_with("error: the TLS handshake failed"),
        "{}",
        without.stderr
    );
    assert_eq!(emu.counters().requests(Route::GetRun), 1);
}

/// Starts a run over HTTPS with the CLI itself, trusting the CA from the environment.
fn seed_run_tls(emu: &runs_emulator::Emulator) -> String {
    let mut ca = tempfile::NamedTempFile::new().unwrap();
    ca.write_all(emu.ca_pem().unwrap().as_bytes()).unwrap();
    let out = outcome(
        runs(
            emu,
            &[
                "--output",
                "json",
                "start",
                "--agent-id",
                "demo-agent",
                "--process-id",
                HELLO_WORLD,
                "--name",
                "tls",
                "--stage",
                "Draft",
            ],
        )
        .env("RUNS_CA_CERT", ca.path()),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let run: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    run["id"].as_str().unwrap().to_string()
}

#[test]
fn a_ca_file_with_a_broken_block_names_the_file_and_the_block_and_sends_nothing() {
    let emu = builder().tls(true).start().unwrap();
    let mut ca = tempfile::NamedTempFile::new().unwrap();
    // The emulator's CA, then a block whose body is not a certificate.
    let pem = format!(
        "{}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        emu.ca_pem().unwrap()
    );
    ca.write_all(pem.as_bytes()).unwrap();
    let path = ca.path().to_str().unwrap();
    let out = outcome(runs(&emu, &["--ca-cert", path, "get", "r1"]));
    assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{}", out.stderr);
    let lines = emu.ca_pem().unwrap().lines().count();
    assert_eq!(
        out.stderr.trim_end(),
        format!(
            "error: invalid --ca-cert: {path}: block 2 (line {}) is not a DER certificate",
            lines + 1
        )
    );
    assert_eq!(emu.counters().connections, 0);
}
