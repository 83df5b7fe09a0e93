//! `runs completions SHELL`: a script on stdout for each shell clap_complete knows.

use crate::harness::{bare, outcome, snapshot};

#[test]
fn every_shell_gets_a_script_naming_runs_and_its_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = outcome(bare().args(["completions", shell]));
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert_eq!(out.stderr, "", "{shell}");
        assert!(out.stdout.contains("runs"), "{shell}: {}", out.stdout);
        for subcommand in ["list", "batch", "completions"] {
            assert!(
                out.stdout.contains(subcommand),
                "{shell} does not mention {subcommand}:\n{}",
                out.stdout
            );
        }
        assert!(out.stdout.contains("output"), "{shell}");
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = outcome(bare().args(["completions", "tcsh"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("bash, elvish, fish, powershell, zsh"),
        "{}",
        out.stderr
    );
}

#[test]
fn completions_help_is_stable() {
    let out = outcome(bare().args(["completions", "--help"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot("help_completions", &out.stdout);
}
