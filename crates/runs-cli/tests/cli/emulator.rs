//! `runs emulator`: serves until SIGTERM, with the key and TLS asked for.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use crate::harness::{KEY, bare, outcome, snapshot};

/// A `runs emulator` process and the banner it printed on stderr.
struct Served {
    child: Child,
    banner: Vec<String>,
}

impl Served {
    /// Starts `runs emulator ARGS` on a free port and reads its banner, up to "press Ctrl-C".
    fn start(args: &[&str], env: &[(&str, &str)]) -> Served {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("runs"));
        cmd.env_clear()
            .envs(env.iter().copied())
            .args(["emulator", "--listen", "127.0.0.1:0", "--step", "0"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut banner = Vec::new();
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            let done = line == "press Ctrl-C to stop";
            banner.push(line);
            if done {
                break;
            }
        }
        Served { child, banner }
    }

    fn base_url(&self) -> &str {
        self.banner[0]
            .strip_prefix("runs-emulator listening on ")
            .unwrap()
    }

    /// Sends SIGTERM and checks the process shut down gracefully (exit 0): its handler is
    /// installed before the banner is printed.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{status:?}");
    }
}

#[test]
fn emulator_serves_the_key_given_until_terminated() {
    let served = Served::start(&["--api-key", KEY], &[]);
    assert_eq!(served.banner.len(), 3, "{:?}", served.banner);
    snapshot("emulator_banner", &served.banner.join("\n"));
    // Its key is accepted, another is not.
    let list = ["list", "--agent-id", "demo-agent", "--process-id", "hello-world"];
    let ok = outcome(
        bare()
            .args(["--base-url", served.base_url(), "--api-key", KEY])
            .args(list),
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let refused = outcome(
        bare()
            .args(["--base-url", served.base_url(), "--api-key", "other"])
            .args(list),
    );
    assert_eq!(refused.code, 3);
    served.stop();
}

#[test]
fn emulator_ignores_a_key_from_the_environment_and_never_prints_it() {
    let served = Served::start(&[], &[("RUNS_API_KEY", KEY)]);
    assert!(
        served.banner.iter().all(|l| !l.contains(KEY)),
        "{:?}",
        served.banner
    );
    assert_eq!(served.banner[1], "api key: emulator-key");
    served.stop();
}

#[test]
fn emulator_with_tls_writes_its_ca_for_ca_cert() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let ca = ca.to_str().unwrap();
    let served = Served::start(&["--tls", "--ca-out", ca, "--api-key", KEY], &[]);
    assert!(
        served.base_url().starts_with("https://127.0.0.1:"),
        "{:?}",
        served.banner
    );
    assert_eq!(served.banner[2], format!("CA certificate: {ca}"));
    let start = [
        "start",
        "--agent-id",
        "demo-agent",
        "--process-id",
        "hello-world",
        "--name",
        "tls",
        "--stage",
        "Draft",
        "--wait",
        "--interval",
        "0.1",
    ];
    let out = outcome(
        bare()
            .args(["--base-url", served.base_url(), "--api-key", KEY, "--ca-cert", ca])
            .args(start),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    served.stop();
}

#[test]
fn emulator_on_an_address_in_use_exits_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = outcome(bare().args(["emulator", "--listen", &addr]));
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with(&format!("error: cannot listen on {addr}: ")),
        "{}",
        out.stderr
    );
}
