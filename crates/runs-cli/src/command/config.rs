//! `runs config show` and `runs config path`.

use std::io::Write;

use crate::cli::{ConfigCommand, RegionArg};
use crate::config::{KeyOrigin, Origin, Setting, Settings};
use crate::exit::Failure;
use crate::key::KeyRef;
use crate::profile;

/// Dispatches to `show` or `path`.
pub fn run(command: &ConfigCommand, settings: Option<&Settings>, out: &mut dyn Write) -> Result<(), Failure> {
    match (command, settings) {
        (ConfigCommand::Show, Some(settings)) => show(settings, out),
        _ => path(out),
    }
}

/// The file's path, whether or not it exists.
fn path(out: &mut dyn Write) -> Result<(), Failure> {
    let path = profile::path().ok_or_else(|| {
        Failure::usage("no config folder: set RUNS_CONFIG to the file, or XDG_CONFIG_HOME or HOME")
    })?;
    writeln!(out, "{}", path.display())?;
    Ok(())
}

/// Each setting, its value and (in brackets) where it came from; the key only as where it comes from and
/// whether it is set. Always a table, for people, whatever --output says.
fn show(settings: &Settings, out: &mut dyn Write) -> Result<(), Failure> {
    let unset = || ("-".to_string(), String::new());
    let row = |s: Option<String>, origin: &Origin| s.map(|v| (v, origin.to_string()));
    fn cell<T>(setting: &Option<Setting<T>>, show: impl Fn(&T) -> String) -> Option<(String, String)> {
        setting.as_ref().map(|s| (show(&s.value), s.origin.to_string()))
    }
    let secs = |d: &std::time::Duration| d.as_secs_f64().to_string();
    let file = match &settings.file {
        Some(path) if path.is_file() => (path.display().to_string(), "found".to_string()),
        Some(path) => (path.display().to_string(), "not found".to_string()),
        None => (
            "-".to_string(),
            "no RUNS_CONFIG, XDG_CONFIG_HOME or HOME".to_string(),
        ),
    };
    let region = match &settings.base_url {
        Some(_) => None,
        None => row(Some(region_name(settings.region.value)), &settings.region.origin),
    };
    let defaults = runs_core::RetryPolicy::default().max_attempts().to_string();
    let rows: Vec<(&str, (String, String))> = vec![
        ("config file", file),
        (
            "profile",
            cell(&settings.profile, String::clone).unwrap_or_else(unset),
        ),
        ("region", region.unwrap_or_else(unset)),
        (
            "base_url",
            cell(&settings.base_url, String::clone).unwrap_or_else(unset),
        ),
        (
            "agent_id",
            cell(&settings.agent_id, String::clone).unwrap_or_else(unset),
        ),
        (
            "process_id",
            cell(&settings.process_id, String::clone).unwrap_or_else(unset),
        ),
        (
            "stage",
            cell(&settings.stage, |s| format!("{s:?}")).unwrap_or_else(unset),
        ),
        (
            "output",
            (
                format!("{:?}", settings.output.value).to_lowercase(),
                settings.output.origin.to_string(),
            ),
        ),
        (
            "request_timeout",
            cell(&settings.request_timeout, secs).unwrap_or_else(|| {
                (
                    secs(&runs_core::config_defaults::DEFAULT_REQUEST_TIMEOUT),
                    "default".into(),
                )
            }),
        ),
        (
            "deadline",
            cell(&settings.deadline, secs).unwrap_or_else(|| {
                (
                    secs(&runs_core::config_defaults::DEFAULT_DEADLINE),
                    "default".into(),
                )
            }),
        ),
        (
            "max_attempts",
            cell(&settings.max_attempts, u32::to_string).unwrap_or_else(|| (defaults, "default".into())),
        ),
        (
            "ca_cert",
            cell(&settings.ca_cert, |p| p.display().to_string()).unwrap_or_else(unset),
        ),
        ("api_key", key(settings)),
    ];
    for (name, (value, origin)) in rows {
        let line = match origin.as_str() {
            "" => format!("{name:<16} {value}"),
            _ => format!("{name:<16} {value}  ({origin})"),
        };
        writeln!(out, "{}", crate::terminal::printable(&line))?;
    }
    Ok(())
}

/// Whether the key is set, and where it comes from: never the key.
fn key(settings: &Settings) -> (String, String) {
    match &settings.key {
        None => ("not set".into(), String::new()),
        Some(Setting {
            value: KeyOrigin::Given,
            origin,
        }) => ("set".into(), origin.to_string()),
        Some(Setting {
            value: KeyOrigin::Profile(key),
            origin,
        }) => {
            let state = match key {
                KeyRef::Env(name) if std::env::var(name).is_ok_and(|k| !k.is_empty()) => "set",
                KeyRef::Env(_) => "not set",
                KeyRef::Command(_) => "read when needed",
                KeyRef::Inline(_) => "set",
            };
            (state.into(), format!("{}, {origin}", key.describe()))
        }
    }
}

fn region_name(region: RegionArg) -> String {
    format!("{region:?}").to_lowercase()
}
