//! `--help` of every command, `--version`, and clap's own usage errors (exit 2).

use crate::harness::{bare, outcome, snapshot, snapshot_outcome};

#[test]
fn help_of_every_command_is_stable() {
    for (name, args) in [
        ("help_top", &["--help"][..]),
        ("help_list", &["list", "--help"]),
        ("help_get", &["get", "--help"]),
        ("help_start", &["start", "--help"]),
        ("help_wait", &["wait", "--help"]),
        ("help_watch", &["watch", "--help"]),
        ("help_emulator", &["emulator", "--help"]),
        ("help_quickstart", &["quickstart", "--help"]),
        ("help_files_upload", &["files", "upload", "--help"]),
        ("help_processes_list", &["processes", "list", "--help"]),
        ("help_processes_get", &["processes", "get", "--help"]),
        ("help_health", &["health", "--help"]),
        ("help_batch", &["batch", "--help"]),
        ("help_config", &["config", "--help"]),
        ("help_config_show", &["config", "show", "--help"]),
        ("help_config_path", &["config", "path", "--help"]),
    ] {
        let out = outcome(bare().args(args));
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        assert_eq!(out.stderr, "", "{name}");
        snapshot(name, &out.stdout);
    }
}

#[test]
fn help_never_shows_the_key_from_the_environment() {
    let out = outcome(bare().arg("--help").env("RUNS_API_KEY", crate::harness::KEY));
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("RUNS_API_KEY"));
}

#[test]
fn version_prints_the_crate_version() {
    let out = outcome(bare().arg("--version"));
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, concat!("runs ", env!("CARGO_PKG_VERSION"), "\n"))
    );
}

#[test]
fn usage_errors_exit_2() {
    for (name, args) in [
        ("usage_no_command", &[][..]),
        ("usage_unknown_command", &["lst"]),
        ("usage_missing_required_flag", &["list", "--process-id", "p"]),
        (
            "usage_all_and_max_items",
            &[
                "list",
                "--agent-id",
                "a",
                "--process-id",
                "p",
                "--all",
                "--max-items",
                "3",
            ],
        ),
        (
            "usage_bad_stage",
            &[
                "start",
                "--agent-id",
                "a",
                "--process-id",
                "p",
                "--name",
                "n",
                "--stage",
                "draft",
            ],
        ),
        (
            "usage_timeout_needs_wait",
            &[
                "start",
                "--agent-id",
                "a",
                "--process-id",
                "p",
                "--name",
                "n",
                "--stage",
                "Draft",
                "--timeout",
                "1",
            ],
        ),
        ("usage_bad_seconds", &["--request-timeout", "soon", "get", "r"]),
        ("usage_bad_output", &["--output", "yaml", "get", "r"]),
        ("usage_zero_attempts", &["--max-attempts", "0", "get", "r"]),
    ] {
        let out = outcome(bare().args(args));
        assert_eq!(out.code, 2, "{name}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{name}");
        snapshot_outcome(name, &out);
    }
}
