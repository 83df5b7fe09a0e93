//! The config file: where it is, and the settings of its `[default]` section with a
//! `[profile.NAME]` over it.
//!
//! Every section is checked, the unused ones too: an unknown key or a bad value is an error
//! naming the file, the section and the key, before any request is sent.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ValueEnum;
use runs_core::{AgentId, FieldError, ProcessId};

use crate::cli::{self, OutputFormat, RegionArg, StageArg};
use crate::exit::Failure;
use crate::key::{KeyRef, Secret};

/// The environment variable naming the config file, over the platform's config folder.
pub const FILE_ENV: &str = "RUNS_CONFIG";

/// The keys a section may hold, in the order `runs config show` lists them.
pub const KEYS: [&str; 13] = [
    "region",
    "base_url",
    "agent_id",
    "process_id",
    "stage",
    "output",
    "request_timeout",
    "deadline",
    "max_attempts",
    "ca_cert",
    "api_key_env",
    "api_key_command",
    "api_key",
];

/// The config file's path: the file `RUNS_CONFIG` names, else
/// `$XDG_CONFIG_HOME/runs/config.toml` (an absolute XDG_CONFIG_HOME only, as the XDG spec
/// says), else `$HOME/.config/runs/config.toml`; on Windows `%APPDATA%\runs\config.toml`.
/// `None` when none of these is set.
pub fn path() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(file) = var(FILE_ENV) {
        return Some(file);
    }
    let folder = if cfg!(windows) {
        var("APPDATA")?
    } else {
        match var("XDG_CONFIG_HOME").filter(|p| p.is_absolute()) {
            Some(folder) => folder,
            None => var("HOME")?.join(".config"),
        }
    };
    Some(folder.join("runs").join("config.toml"))
}

/// A section of the file: `[default]` or `[profile.NAME]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    /// `[default]`, applying to every command.
    Default,
    /// `[profile.NAME]`, over `[default]` when chosen.
    Profile(String),
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Section::Default => f.write_str("[default]"),
            Section::Profile(name) => write!(f, "[profile.{name}]"),
        }
    }
}

/// A value and the section it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layered<T> {
    /// The value.
    pub value: T,
    /// Where it was set.
    pub section: Section,
}

/// The settings the file gives: the chosen profile's over `[default]`, key by key. The key
/// reference is one setting (a profile naming any of `api_key_env`, `api_key_command`,
/// `api_key` replaces `[default]`'s), and so is the endpoint (`region` or `base_url`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Values {
    pub region: Option<Layered<RegionArg>>,
    pub base_url: Option<Layered<String>>,
    pub agent_id: Option<Layered<String>>,
    pub process_id: Option<Layered<String>>,
    pub stage: Option<Layered<StageArg>>,
    pub output: Option<Layered<OutputFormat>>,
    pub request_timeout: Option<Layered<Duration>>,
    pub deadline: Option<Layered<Duration>>,
    pub max_attempts: Option<Layered<u32>>,
    pub ca_cert: Option<Layered<PathBuf>>,
    pub key: Option<Layered<KeyRef>>,
}

impl Values {
    /// `over`'s values where it has them, this one's elsewhere. The endpoint is one setting:
    /// a section naming a region or a base URL replaces both.
    fn layer(self, over: Values) -> Values {
        let endpoint = if over.region.is_some() || over.base_url.is_some() {
            (over.region, over.base_url)
        } else {
            (self.region, self.base_url)
        };
        Values {
            region: endpoint.0,
            base_url: endpoint.1,
            agent_id: over.agent_id.or(self.agent_id),
            process_id: over.process_id.or(self.process_id),
            stage: over.stage.or(self.stage),
            output: over.output.or(self.output),
            request_timeout: over.request_timeout.or(self.request_timeout),
            deadline: over.deadline.or(self.deadline),
            max_attempts: over.max_attempts.or(self.max_attempts),
            ca_cert: over.ca_cert.or(self.ca_cert),
            key: over.key.or(self.key),
        }
    }
}

/// What the file at `file` gives for `profile` (`None`: `[default]` alone). A missing file
/// gives nothing, unless a profile was asked for.
pub fn load(file: &Path, profile: Option<&str>) -> Result<Values, Failure> {
    let shown = file.display();
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return match profile {
                None => Ok(Values::default()),
                Some(name) => Err(Failure::usage(format!(
                    "profile {name:?} asked for (--profile or RUNS_PROFILE), but there is no config file {shown}"
                ))),
            };
        }
        Err(e) => {
            return Err(Failure::usage(format!(
                "config file {shown}: cannot be read: {e}"
            )));
        }
    };
    parse(file, &text, profile, || private(file))
}

/// [`load`] on the file's text. `private` says whether the file may hold an inline key.
fn parse(
    file: &Path,
    text: &str,
    profile: Option<&str>,
    private: impl Fn() -> Result<(), Failure>,
) -> Result<Values, Failure> {
    let shown = file.display();
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|span| text.get(..span.start).unwrap_or(text).matches('\n').count() + 1);
        match line {
            Some(line) => Failure::usage(format!("config file {shown}, line {line}: {}", e.message())),
            None => Failure::usage(format!("config file {shown}: {}", e.message())),
        }
    })?;
    let mut default = Values::default();
    let mut profiles = Vec::new();
    for (name, value) in &table {
        match (name.as_str(), value) {
            ("default", toml::Value::Table(section)) => {
                default = values(file, &Section::Default, section, &private)?;
            }
            ("profile", toml::Value::Table(named)) => {
                for (name, value) in named {
                    let section = Section::Profile(name.clone());
                    let toml::Value::Table(table) = value else {
                        return Err(Failure::usage(format!(
                            "config file {shown}: {section} must be a table"
                        )));
                    };
                    profiles.push((name.clone(), values(file, &section, table, &private)?));
                }
            }
            ("default" | "profile", _) => {
                return Err(Failure::usage(format!(
                    "config file {shown}: `{name}` must be a table ([{name}])"
                )));
            }
            _ => {
                return Err(Failure::usage(format!(
                    "config file {shown}: unknown section [{name}]; the file has [default] and [profile.NAME]"
                )));
            }
        }
    }
    let Some(name) = profile.filter(|name| *name != "default") else {
        return Ok(default);
    };
    match profiles.into_iter().find(|(n, _)| n == name) {
        Some((_, chosen)) => Ok(default.layer(chosen)),
        None => {
            let known: Vec<_> = table
                .get("profile")
                .and_then(toml::Value::as_table)
                .map(|t| t.keys().map(String::as_str).collect())
                .unwrap_or_default();
            Err(Failure::usage(format!(
                "config file {shown} has no [profile.{name}] (its profiles: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )))
        }
    }
}

/// One section's values, each checked.
fn values(
    file: &Path,
    section: &Section,
    table: &toml::Table,
    private: &dyn Fn() -> Result<(), Failure>,
) -> Result<Values, Failure> {
    let shown = file.display();
    let bad = |key: &str, why: String| Failure::usage(format!("config file {shown}, {section}: {key} {why}"));
    // runs-core's rules name the field, which is the key.
    let broken = |e: FieldError| Failure::usage(format!("config file {shown}, {section}: {e}"));
    fn at<T>(section: &Section) -> impl Fn(T) -> Option<Layered<T>> + '_ {
        move |value| {
            Some(Layered {
                value,
                section: section.clone(),
            })
        }
    }
    let mut values = Values::default();
    for (key, value) in table {
        let text = || {
            value
                .as_str()
                .ok_or_else(|| bad(key, format!("must be a string, not {}", value.type_str())))
        };
        match key.as_str() {
            "region" => {
                let region = RegionArg::from_str(text()?, true).map_err(|_| {
                    bad(
                        key,
                        format!("must be one of us, eu, uk, not {:?}", text().unwrap_or("")),
                    )
                })?;
                values.region = at(section)(region);
            }
            "base_url" => values.base_url = at(section)(cli::base_url(text()?).map_err(|e| bad(key, e))?),
            "agent_id" => {
                let id: AgentId = text()?.parse().map_err(broken)?;
                values.agent_id = at(section)(id.as_str().to_string());
            }
            "process_id" => {
                let id: ProcessId = text()?.parse().map_err(broken)?;
                values.process_id = at(section)(id.as_str().to_string());
            }
            "stage" => {
                let stage = StageArg::from_str(text()?, false).map_err(|_| {
                    bad(
                        key,
                        format!("must be Draft or Published, not {:?}", text().unwrap_or("")),
                    )
                })?;
                values.stage = at(section)(stage);
            }
            "output" => {
                let output = OutputFormat::from_str(text()?, false).map_err(|_| {
                    bad(
                        key,
                        format!(
                            "must be one of table, json, csv, jsonl, not {:?}",
                            text().unwrap_or("")
                        ),
                    )
                })?;
                values.output = at(section)(output);
            }
            "request_timeout" | "deadline" => {
                let secs = match value {
                    toml::Value::Integer(n) => n.to_string(),
                    toml::Value::Float(x) => x.to_string(),
                    _ => {
                        return Err(bad(
                            key,
                            format!("must be a number of seconds, not {}", value.type_str()),
                        ));
                    }
                };
                let duration = cli::seconds(&secs).map_err(|e| bad(key, e))?;
                if duration.is_zero() {
                    return Err(bad(key, "must be more than 0 seconds".into()));
                }
                if key == "deadline" {
                    values.deadline = at(section)(duration);
                } else {
                    values.request_timeout = at(section)(duration);
                }
            }
            "max_attempts" => {
                let n = value
                    .as_integer()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| {
                        let got = match value {
                            toml::Value::Integer(n) => n.to_string(),
                            other => other.type_str().to_string(),
                        };
                        bad(key, format!("must be a whole number, at least 1, not {got}"))
                    })?;
                values.max_attempts = at(section)(n);
            }
            "ca_cert" => {
                // Relative to the file's folder, as the file is read from anywhere.
                let path = file.parent().unwrap_or(Path::new("")).join(text()?);
                values.ca_cert = at(section)(path);
            }
            "api_key_env" | "api_key_command" | "api_key" => {
                if values.key.is_some() {
                    return Err(bad(
                        key,
                        "is a second key in one section: give one of api_key_env, api_key_command, api_key"
                            .into(),
                    ));
                }
                let given = text()?;
                if given.is_empty() {
                    return Err(bad(key, "is empty".into()));
                }
                let key_ref = match key.as_str() {
                    "api_key_env" => KeyRef::Env(given.to_string()),
                    "api_key_command" => KeyRef::Command(given.to_string()),
                    _ => {
                        private()?;
                        KeyRef::Inline(Secret::new(given.to_string()))
                    }
                };
                values.key = at(section)(key_ref);
            }
            _ => {
                return Err(bad(
                    &format!("`{key}`"),
                    format!("is not a known key; the keys are {}", KEYS.join(", ")),
                ));
            }
        }
    }
    Ok(values)
}

/// Whether the file may hold a key inline: on unix, only if neither its group nor others may
/// read or write it (as ssh insists of a private key).
#[cfg(unix)]
fn private(file: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(file)
        .map_err(|e| Failure::usage(format!("config file {}: cannot be read: {e}", file.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Failure::usage(format!(
            "config file {file} holds an inline api_key but others may read it (mode {mode:03o}): \
             run `chmod 600 {file}`, or use api_key_env or api_key_command",
            file = file.display(),
            mode = mode & 0o777,
        )));
    }
    Ok(())
}

/// On other platforms the folder's permissions are the user's.
#[cfg(not(unix))]
fn private(_file: &Path) -> Result<(), Failure> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str, profile: Option<&str>) -> Result<Values, String> {
        parse(Path::new("/c/config.toml"), text, profile, || Ok(())).map_err(|e| e.to_string())
    }

    const FILE: &str = r#"
[default]
region = "eu"
output = "json"
api_key_env = "RUNS_DEFAULT_KEY"

[profile.staging]
base_url = "https://gateway.example/v2"
agent_id = "b4fznghynbdemslfd5k044fgd"
process_id = "invoices"
request_timeout = 2.5
max_attempts = 2
ca_cert = "ca.pem"
api_key_command = "pass show runs/staging"
"#;

    #[test]
    fn a_profile_layers_over_default_key_by_key() {
        let values = parsed(FILE, Some("staging")).unwrap();
        let staging = Section::Profile("staging".into());
        // The endpoint is one setting: staging's base URL replaces [default]'s region.
        assert_eq!(values.region, None);
        assert_eq!(
            values.output.unwrap(),
            Layered {
                value: OutputFormat::Json,
                section: Section::Default
            }
        );
        assert_eq!(values.base_url.unwrap().section, staging);
        assert_eq!(values.request_timeout.unwrap().value, Duration::from_millis(2500));
        assert_eq!(values.max_attempts.unwrap().value, 2);
        assert_eq!(values.ca_cert.unwrap().value, PathBuf::from("/c/ca.pem"));
        assert_eq!(
            values.key.unwrap(),
            Layered {
                value: KeyRef::Command("pass show runs/staging".into()),
                section: staging
            }
        );
    }

    #[test]
    fn without_a_profile_default_alone_applies() {
        let values = parsed(FILE, None).unwrap();
        assert_eq!(values.base_url, None);
        assert_eq!(values.key.unwrap().value, KeyRef::Env("RUNS_DEFAULT_KEY".into()));
        assert_eq!(
            parsed(FILE, Some("default")).unwrap(),
            parsed(FILE, None).unwrap()
        );
    }

    #[test]
    fn errors_name_the_file_the_section_and_the_key() {
        for (text, profile, error) in [
            (
                "[default]\nregoin = \"eu\"",
                None,
                "config file /c/config.toml, [default]: `regoin` is not a known key; the keys are region, base_url, agent_id, process_id, stage, output, request_timeout, deadline, max_attempts, ca_cert, api_key_env, api_key_command, api_key",
            ),
            (
                "[profile.s]\nregion = \"mars\"",
                None,
                "config file /c/config.toml, [profile.s]: region must be one of us, eu, uk, not \"mars\"",
            ),
            (
                "[profile.s]\ndeadline = \"9\"",
                None,
                "config file /c/config.toml, [profile.s]: deadline must be a number of seconds, not string",
            ),
            (
                "[profile.s]\ndeadline = 0",
                None,
                "config file /c/config.toml, [profile.s]: deadline must be more than 0 seconds",
            ),
            (
                "[profile.s]\nmax_attempts = 0",
                None,
                "config file /c/config.toml, [profile.s]: max_attempts must be a whole number, at least 1, not 0",
            ),
            (
                "[profile.s]\napi_key_env = \"A\"\napi_key = \"k\"",
                None,
                "config file /c/config.toml, [profile.s]: api_key_env is a second key in one section: give one of api_key_env, api_key_command, api_key",
            ),
            (
                "[defaults]\n",
                None,
                "config file /c/config.toml: unknown section [defaults]; the file has [default] and [profile.NAME]",
            ),
            (
                "[profile.s]\n",
                Some("prod"),
                "config file /c/config.toml has no [profile.prod] (its profiles: s)",
            ),
            (
                "region = ",
                None,
                "config file /c/config.toml, line 1: string values must be quoted, expected literal string",
            ),
        ] {
            assert_eq!(parsed(text, profile).unwrap_err(), error, "{text}");
        }
    }

    #[test]
    fn a_missing_file_is_nothing_unless_a_profile_is_asked_for() {
        let missing = Path::new("/nonexistent/runs/config.toml");
        assert_eq!(load(missing, None).unwrap(), Values::default());
        assert_eq!(
            load(missing, Some("staging")).unwrap_err().to_string(),
            "profile \"staging\" asked for (--profile or RUNS_PROFILE), but there is no config file /nonexistent/runs/config.toml"
        );
    }
}
