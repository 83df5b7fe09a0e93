//! Profiles: the config file's `[default]` and `[profile.NAME]`, `runs config show|path`, and
//! the order flag, then environment, then profile, then built-in default.
//!
//! Each test writes its file in a temporary folder, named by RUNS_CONFIG (or found through
//! XDG_CONFIG_HOME or HOME): never the user's.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use runs_blocking::ProcessStage;
use runs_emulator::{DEMO_AGENT, Emulator, HELLO_WORLD};
use tempfile::TempDir;

use crate::harness::{KEY, bare, emulator, outcome, seed_run, snapshot, snapshot_outcome};

/// A folder holding `config.toml` with `text`, owner-only (as an editor on a private
/// umask would leave it).
fn config(text: &str) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(&file, text).unwrap();
    set_mode(&file, 0o600);
    (dir, file)
}

#[cfg(unix)]
fn set_mode(file: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_file: &Path, _mode: u32) {}

/// `runs` with the file at `file` and nothing else in its environment.
fn runs_with(file: &Path) -> Command {
    let mut cmd = bare();
    cmd.env("RUNS_CONFIG", file);
    cmd
}

/// The file's text with the folder replaced by `<dir>`, for snapshots.
fn without_dir(text: &str, dir: &TempDir) -> String {
    text.replace(&dir.path().display().to_string(), "<dir>")
}

/// A profile `emu` pointing at the emulator, hello-world's runs, and the key from
/// STAGING_RUNS_KEY; `[default]` lists as CSV.
fn staging(emu: &Emulator) -> String {
    format!(
        r#"[default]
region = "eu"
output = "csv"

[profile.emu]
base_url = "{url}"
agent_id = "{DEMO_AGENT}"
process_id = "{HELLO_WORLD}"
output = "jsonl"
api_key_env = "STAGING_RUNS_KEY"
"#,
        url = emu.base_url()
    )
}

/// The value and origin `runs config show` gives `setting`.
fn shown(stdout: &str, setting: &str) -> (String, String) {
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(setting))
        .unwrap_or_else(|| panic!("no {setting} in\n{stdout}"));
    let rest = line[setting.len()..].trim_start();
    let (value, origin) = rest.split_once("  (").unwrap_or((rest, ")"));
    (value.to_owned(), origin.strip_suffix(')').unwrap().to_owned())
}

#[test]
fn a_profile_gives_a_listing_its_endpoint_ids_key_and_format() {
    let emu = emulator();
    seed_run(&emu, HELLO_WORLD, "run-1", ProcessStage::Draft);
    seed_run(&emu, HELLO_WORLD, "run-2", ProcessStage::Published);
    let (_dir, file) = config(&staging(&emu));
    let out = outcome(
        runs_with(&file)
            .args(["--profile", "emu", "list"])
            .env("STAGING_RUNS_KEY", KEY),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    snapshot("profile_list_jsonl", &out.stdout);

    // RUNS_PROFILE chooses it too, and the environment's RUNS_OUTPUT wins over its output.
    let out = outcome(
        runs_with(&file)
            .args(["list", "--all"])
            .env("RUNS_PROFILE", "emu")
            .env("RUNS_OUTPUT", "csv")
            .env("STAGING_RUNS_KEY", KEY),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    snapshot("profile_list_csv_all", &out.stdout);
}

#[test]
fn flag_then_environment_then_profile_then_default() {
    let emu = emulator();
    let (_dir, file) = config(&staging(&emu));
    let show = |extra: &[&str], env: &[(&str, &str)]| {
        let mut cmd = runs_with(&file);
        cmd.args(["config", "show"]).args(extra).envs(env.iter().copied());
        let out = outcome(cmd);
        assert_eq!((out.code, out.stderr.as_str()), (0, ""));
        out.stdout
    };
    let output = |extra: &[&str], env: &[(&str, &str)]| shown(&show(extra, env), "output");
    let at = |value: &str, origin: &str| (value.to_owned(), origin.to_owned());

    // Nothing set for max_attempts anywhere: the built-in default.
    assert_eq!(shown(&show(&[], &[]), "max_attempts"), at("4", "default"));
    // [default] alone, then the profile over it, then the environment, then the flag.
    assert_eq!(output(&[], &[]), at("csv", "[default]"));
    assert_eq!(output(&["--profile", "emu"], &[]), at("jsonl", "[profile.emu]"));
    let env = [("RUNS_OUTPUT", "table")];
    assert_eq!(
        output(&["--profile", "emu"], &env),
        at("table", "env RUNS_OUTPUT")
    );
    assert_eq!(
        output(&["--profile", "emu", "--output", "json"], &env),
        at("json", "--output")
    );

    // The endpoint is one setting: the profile's base URL wins over [default]'s region, and
    // a region from the environment wins over both.
    let shown_emu = show(&["--profile", "emu"], &[]);
    assert_eq!(shown(&shown_emu, "base_url"), at(emu.base_url(), "[profile.emu]"));
    assert_eq!(shown(&shown_emu, "region"), at("-", ""));
    let shown_env = show(&["--profile", "emu"], &[("RUNS_REGION", "uk")]);
    assert_eq!(shown(&shown_env, "region"), at("uk", "env RUNS_REGION"));
    assert_eq!(shown(&shown_env, "base_url"), at("-", ""));

    // A command's flag wins over the profile's id: the profile's process is a stranger's.
    let (_dir, file) = config(&staging(&emu).replace(HELLO_WORLD, "not-mine"));
    let list = |extra: &[&str]| {
        outcome(
            runs_with(&file)
                .args(["--profile", "emu", "list"])
                .args(extra)
                .env("STAGING_RUNS_KEY", KEY),
        )
    };
    assert_eq!(list(&[]).code, 3, "the profile's process is used");
    let out = list(&["--process-id", HELLO_WORLD]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    // And the key from the environment wins over the profile's reference.
    let out = outcome(
        runs_with(&file)
            .args(["--profile", "emu", "list", "--process-id", HELLO_WORLD])
            .env("RUNS_API_KEY", KEY)
            .env("STAGING_RUNS_KEY", "sk-wrong"),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[test]
fn config_show_says_where_each_setting_comes_from_and_never_the_key() {
    let emu = emulator();
    let (dir, file) = config(&staging(&emu).replace(
        "api_key_env = \"STAGING_RUNS_KEY\"",
        &format!("api_key = \"{KEY}\"\nrequest_timeout = 2.5\nca_cert = \"/etc/runs/ca.pem\""),
    ));
    // outcome() fails the test if the key shows anywhere.
    let out = outcome(
        runs_with(&file)
            .args(["config", "show", "--profile", "emu", "--max-attempts", "2"])
            .env("RUNS_DEADLINE", "9"),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    snapshot("config_show_inline_key", &without_dir(&out.stdout, &dir));

    let out = outcome(runs_with(&file).args(["config", "show"]).env("RUNS_API_KEY", KEY));
    assert_eq!(
        shown(&out.stdout, "api_key"),
        ("set".into(), "env RUNS_API_KEY".into())
    );
    let out = outcome(
        runs_with(&file)
            .args(["config", "show", "--profile", "emu"])
            .env_remove("RUNS_API_KEY"),
    );
    assert_eq!(
        shown(&out.stdout, "api_key"),
        ("set".into(), "inline api_key, [profile.emu]".into())
    );

    let (dir, file) = config("[profile.ci]\napi_key_command = \"pass show runs/ci\"\n");
    let out = outcome(runs_with(&file).args(["config", "show", "--profile", "ci"]));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    snapshot("config_show_key_command", &without_dir(&out.stdout, &dir));
}

#[test]
fn config_path_is_runs_config_else_xdg_else_home() {
    let path = |env: &[(&str, &str)]| {
        let out = outcome(bare().args(["config", "path"]).envs(env.iter().copied()));
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    };
    assert_eq!(path(&[("HOME", "/home/u")]), "/home/u/.config/runs/config.toml\n");
    assert_eq!(
        path(&[("HOME", "/home/u"), ("XDG_CONFIG_HOME", "/xdg")]),
        "/xdg/runs/config.toml\n"
    );
    // A relative XDG_CONFIG_HOME is ignored, as the XDG spec says.
    assert_eq!(
        path(&[("HOME", "/home/u"), ("XDG_CONFIG_HOME", "xdg")]),
        "/home/u/.config/runs/config.toml\n"
    );
    assert_eq!(
        path(&[
            ("HOME", "/home/u"),
            ("XDG_CONFIG_HOME", "/xdg"),
            ("RUNS_CONFIG", "/etc/runs.toml")
        ]),
        "/etc/runs.toml\n"
    );
    let out = outcome(bare().args(["config", "path"]));
    snapshot_outcome("config_path_no_folder", &out);
}

#[test]
fn the_file_is_found_in_the_xdg_config_folder() {
    let emu = emulator();
    seed_run(&emu, HELLO_WORLD, "run-1", ProcessStage::Draft);
    let home = tempfile::tempdir().unwrap();
    let folder = home.path().join(".config").join("runs");
    std::fs::create_dir_all(&folder).unwrap();
    let text = format!(
        "[default]\nbase_url = \"{}\"\nagent_id = \"{DEMO_AGENT}\"\nprocess_id = \"{HELLO_WORLD}\"\n\
         output = \"jsonl\"\napi_key_env = \"STAGING_RUNS_KEY\"\n",
        emu.base_url()
    );
    std::fs::write(folder.join("config.toml"), text).unwrap();
    let out = outcome(
        bare()
            .env("HOME", home.path())
            .args(["list"])
            .env("STAGING_RUNS_KEY", KEY),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert_eq!(out.stdout.lines().count(), 1, "jsonl, one run: {}", out.stdout);
}

#[test]
fn the_key_by_command_is_its_output_and_a_failing_command_says_so() {
    let emu = emulator();
    seed_run(&emu, HELLO_WORLD, "run-1", ProcessStage::Draft);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("key.sh");
    std::fs::write(&script, format!("printf '%s\\n' '{KEY}'\n")).unwrap();
    let text = staging(&emu).replace(
        "api_key_env = \"STAGING_RUNS_KEY\"",
        &format!("api_key_command = \"sh '{}'\"", script.display()),
    );
    let (_dir, file) = config(&text);
    let out = outcome(runs_with(&file).args(["--profile", "emu", "list"]));
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);

    // Its stderr passes through; its output is never shown, even when it fails.
    let sent = emu.counters().list_runs;
    let text = staging(&emu).replace(
        "api_key_env = \"STAGING_RUNS_KEY\"",
        &format!("api_key_command = \"echo {KEY}; echo locked >&2; exit 3\""),
    );
    let (_dir, file) = config(&text);
    let out = bare()
        .env("RUNS_CONFIG", &file)
        .args(["--profile", "emu", "list"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    // The command's text holds the key here (a test's shortcut): shown redacted.
    snapshot("profile_key_command_fails", &stderr.replace(KEY, "<KEY>"));
    assert_eq!(emu.counters().list_runs, sent, "nothing is sent without a key");
}

#[cfg(unix)]
#[test]
fn an_inline_key_needs_a_file_only_its_owner_can_read() {
    let emu = emulator();
    let text = staging(&emu).replace(
        "api_key_env = \"STAGING_RUNS_KEY\"",
        &format!("api_key = \"{KEY}\""),
    );
    let (dir, file) = config(&text);
    set_mode(&file, 0o644);
    let out = outcome(runs_with(&file).args(["--profile", "emu", "list"]));
    snapshot_outcome("profile_inline_key_0644", &{
        let mut out = out;
        out.stderr = without_dir(&out.stderr, &dir);
        out
    });
    assert_eq!(emu.counters().list_runs, 0);

    for mode in [0o600, 0o400] {
        set_mode(&file, mode);
        let out = outcome(runs_with(&file).args(["--profile", "emu", "list"]));
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "mode {mode:o}");
    }
}

#[test]
fn an_unknown_key_or_a_bad_value_names_the_file_the_profile_and_the_key() {
    for (name, text) in [
        (
            "profile_unknown_key",
            "[default]\nregion = \"eu\"\n\n[profile.emu]\nagent = \"a\"\n",
        ),
        (
            "profile_bad_timeout",
            "[profile.emu]\nrequest_timeout = \"soon\"\n",
        ),
        ("profile_bad_region", "[profile.emu]\nregion = \"mars\"\n"),
        (
            "profile_bad_agent_id",
            "[profile.emu]\nagent_id = \"has space\"\n",
        ),
        ("profile_not_toml", "[profile.emu\nregion = \"eu\"\n"),
        ("profile_missing", "[profile.other]\nregion = \"eu\"\n"),
    ] {
        let (dir, file) = config(text);
        let mut out = outcome(runs_with(&file).args(["--profile", "emu", "config", "show"]));
        out.stderr = without_dir(&out.stderr, &dir);
        snapshot_outcome(name, &out);
    }
}

#[test]
fn a_missing_file_is_fine_unless_a_profile_is_asked_for() {
    let emu = emulator();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("absent.toml");
    let out = outcome(
        runs_with(&file)
            .args(["--base-url", emu.base_url(), "--api-key", KEY, "list"])
            .args(["--agent-id", DEMO_AGENT, "--process-id", HELLO_WORLD]),
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));

    let mut out = outcome(runs_with(&file).args(["list"]).env("RUNS_PROFILE", "staging"));
    out.stderr = without_dir(&out.stderr, &dir);
    snapshot_outcome("profile_without_a_file", &out);
}
