//! The settings in effect, each from a flag, then its environment variable, then the config
//! file's profile, then the built-in default; and from them a blocking client, through
//! runs-core's `ConfigBuilder`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use clap::ArgMatches;
use clap::parser::ValueSource;
use runs_blocking::{Client, RetryPolicy};

use crate::cli::{Cli, Command, ConfigCommand, Global, OutputFormat, ProcessesCommand, RegionArg, StageArg};
use crate::exit::Failure;
use crate::key::KeyRef;
use crate::profile::{self, Layered, Section};

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The command line: the flag's name.
    Flag(&'static str),
    /// The flag's environment variable.
    Env(&'static str),
    /// A section of the config file.
    File(Section),
    /// The built-in default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => f.write_str(flag),
            Origin::Env(var) => write!(f, "env {var}"),
            Origin::File(section) => section.fmt(f),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub origin: Origin,
}

impl<T> From<Layered<T>> for Setting<T> {
    fn from(layered: Layered<T>) -> Self {
        Setting {
            value: layered.value,
            origin: Origin::File(layered.section),
        }
    }
}

/// Where the key comes from (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOrigin {
    /// `--api-key` or `RUNS_API_KEY`, already in [`Global::api_key`].
    Given,
    /// A profile's reference, read when a client is built.
    Profile(KeyRef),
}

/// Every setting in effect, for a command that talks to the API, and `runs config show`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The config file's path, if any could be found.
    pub file: Option<PathBuf>,
    /// The profile chosen.
    pub profile: Option<Setting<String>>,
    /// The region, unless a base URL wins.
    pub region: Setting<RegionArg>,
    /// The base URL, which wins over the region from the same or a weaker origin.
    pub base_url: Option<Setting<String>>,
    pub agent_id: Option<Setting<String>>,
    pub process_id: Option<Setting<String>>,
    pub stage: Option<Setting<StageArg>>,
    pub output: Setting<OutputFormat>,
    pub request_timeout: Option<Setting<Duration>>,
    pub deadline: Option<Setting<Duration>>,
    pub max_attempts: Option<Setting<u32>>,
    pub ca_cert: Option<Setting<PathBuf>>,
    pub key: Option<Setting<KeyOrigin>>,
}

/// The settings for `cli`, from the flags and environment clap read (`matches` says which
/// was which) and the config file; then put into `cli`, so that the commands read them where
/// they read flags. `None` for the commands that take no settings (`emulator`, `quickstart`,
/// `completions`, `config path`), which read no file either.
pub fn resolve(cli: &mut Cli, matches: &ArgMatches) -> Result<Option<Settings>, Failure> {
    match cli.command {
        Command::Completions(_) | Command::Config(ConfigCommand::Path) => return Ok(None),
        #[cfg(feature = "emulator")]
        Command::Emulator(_) | Command::Quickstart => return Ok(None),
        _ => {}
    }
    let settings = settings(cli, matches)?;
    settings.apply(cli);
    Ok(Some(settings))
}

/// The innermost subcommand's matches: where global options end up, with their sources.
fn leaf(matches: &ArgMatches) -> &ArgMatches {
    let mut leaf = matches;
    while let Some((_, sub)) = leaf.subcommand() {
        leaf = sub;
    }
    leaf
}

/// The command's own agent, process and stage options, for the commands that have them.
struct CommandIds<'a> {
    agent_id: Option<&'a mut Option<String>>,
    process_id: Option<&'a mut Option<String>>,
    stage: Option<&'a mut Option<StageArg>>,
}

fn command_ids(command: &mut Command) -> CommandIds<'_> {
    let none = || CommandIds {
        agent_id: None,
        process_id: None,
        stage: None,
    };
    match command {
        Command::List(a) => CommandIds {
            agent_id: Some(&mut a.agent_id),
            process_id: Some(&mut a.process_id),
            // `list --stage` filters: a profile's stage is for starting runs, not hiding them.
            stage: None,
        },
        Command::Start(a) => CommandIds {
            agent_id: Some(&mut a.agent_id),
            process_id: Some(&mut a.process_id),
            stage: Some(&mut a.stage),
        },
        Command::Batch(a) => CommandIds {
            agent_id: Some(&mut a.agent_id),
            process_id: Some(&mut a.process_id),
            stage: Some(&mut a.stage),
        },
        Command::Processes(ProcessesCommand::List(a)) => CommandIds {
            agent_id: Some(&mut a.agent_id),
            ..none()
        },
        Command::Processes(ProcessesCommand::Get(a)) => CommandIds {
            agent_id: Some(&mut a.agent_id),
            ..none()
        },
        // A profile's process is watched only when no run is named.
        Command::Watch(a) if a.run_ids.is_empty() => CommandIds {
            agent_id: Some(&mut a.agent_id),
            process_id: Some(&mut a.process_id),
            ..none()
        },
        Command::Files(crate::cli::FilesCommand::Upload(a)) => CommandIds {
            agent_id: Some(&mut a.agent_id),
            ..none()
        },
        _ => none(),
    }
}

/// The settings in effect for `cli`.
fn settings(cli: &mut Cli, matches: &ArgMatches) -> Result<Settings, Failure> {
    let leaf = leaf(matches);
    let given = |id: &str, flag: &'static str, env: &'static str| match leaf.value_source(id) {
        Some(ValueSource::CommandLine) => Some(Origin::Flag(flag)),
        Some(ValueSource::EnvVariable) => Some(Origin::Env(env)),
        _ => None,
    };
    let global = &cli.global;
    let profile = global
        .profile
        .clone()
        .filter(|p| !p.is_empty())
        .map(|value| Setting {
            value,
            origin: given("profile", "--profile", "RUNS_PROFILE").unwrap_or(Origin::Default),
        });
    let file = profile::path();
    let name = profile.as_ref().map(|p| p.value.as_str());
    let values = match (&file, name) {
        (Some(file), _) => profile::load(file, name)?,
        (None, None) => profile::Values::default(),
        (None, Some(name)) => {
            return Err(Failure::usage(format!(
                "profile {name:?} asked for, but there is no config folder: set RUNS_CONFIG to the file, or XDG_CONFIG_HOME or HOME"
            )));
        }
    };

    // The endpoint is one setting: a base URL or a region, whichever comes from the
    // stronger origin (a base URL wins over a region from the same one).
    let region_given = given("region", "--region", "RUNS_REGION");
    let base_url_given = given("base_url", "--base-url", "RUNS_BASE_URL");
    let (region, base_url) = if region_given.is_some() || base_url_given.is_some() {
        let base_url = global
            .base_url
            .clone()
            .zip(base_url_given)
            .map(|(value, origin)| Setting { value, origin });
        let region = Setting {
            value: global.region,
            origin: region_given.unwrap_or(Origin::Default),
        };
        (region, base_url)
    } else {
        let region = values.region.map(Setting::from).unwrap_or(Setting {
            value: global.region,
            origin: Origin::Default,
        });
        (region, values.base_url.map(Setting::from))
    };

    let output = match given("output", "--output", "RUNS_OUTPUT") {
        Some(origin) => Setting {
            value: global.output,
            origin,
        },
        None => values.output.map(Setting::from).unwrap_or(Setting {
            value: global.output,
            origin: Origin::Default,
        }),
    };
    fn pick<T: Clone>(
        from_cli: Option<&T>,
        origin: Option<Origin>,
        file: Option<Layered<T>>,
    ) -> Option<Setting<T>> {
        match (from_cli, origin) {
            (Some(value), Some(origin)) => Some(Setting {
                value: value.clone(),
                origin,
            }),
            _ => file.map(Setting::from),
        }
    }
    let request_timeout = pick(
        global.request_timeout.as_ref(),
        given("request_timeout", "--request-timeout", "RUNS_REQUEST_TIMEOUT"),
        values.request_timeout,
    );
    let deadline = pick(
        global.deadline.as_ref(),
        given("deadline", "--deadline", "RUNS_DEADLINE"),
        values.deadline,
    );
    let max_attempts = pick(
        global.max_attempts.as_ref(),
        given("max_attempts", "--max-attempts", "RUNS_MAX_ATTEMPTS"),
        values.max_attempts,
    );
    let ca_cert = pick(
        global.ca_cert.as_ref(),
        given("ca_cert", "--ca-cert", "RUNS_CA_CERT"),
        values.ca_cert,
    );
    let key = match (
        global.api_key.as_deref(),
        given("api_key", "--api-key", "RUNS_API_KEY"),
    ) {
        (Some(k), Some(origin)) if !k.is_empty() => Some(Setting {
            value: KeyOrigin::Given,
            origin,
        }),
        _ => values.key.map(|layered| Setting {
            value: KeyOrigin::Profile(layered.value),
            origin: Origin::File(layered.section),
        }),
    };

    let ids = command_ids(&mut cli.command);
    let agent_id = pick(
        ids.agent_id.and_then(|a| a.as_ref()),
        Some(Origin::Flag("--agent-id")),
        values.agent_id,
    );
    let process_id = pick(
        ids.process_id.and_then(|p| p.as_ref()),
        Some(Origin::Flag("--process-id")),
        values.process_id,
    );
    let stage = pick(
        ids.stage.and_then(|s| s.as_ref()),
        Some(Origin::Flag("--stage")),
        values.stage,
    );

    Ok(Settings {
        file,
        profile,
        region,
        base_url,
        agent_id,
        process_id,
        stage,
        output,
        request_timeout,
        deadline,
        max_attempts,
        ca_cert,
        key,
    })
}

impl Settings {
    /// Puts the settings where the commands read them.
    fn apply(&self, cli: &mut Cli) {
        let global = &mut cli.global;
        global.region = self.region.value;
        global.base_url = self.base_url.as_ref().map(|s| s.value.clone());
        global.output = self.output.value;
        global.request_timeout = self.request_timeout.as_ref().map(|s| s.value);
        global.deadline = self.deadline.as_ref().map(|s| s.value);
        global.max_attempts = self.max_attempts.as_ref().map(|s| s.value);
        global.ca_cert = self.ca_cert.as_ref().map(|s| s.value.clone());
        global.key_ref = match &self.key {
            Some(Setting {
                value: KeyOrigin::Profile(key),
                origin,
            }) => Some((key.clone(), origin.to_string())),
            _ => None,
        };
        let ids = command_ids(&mut cli.command);
        if let (Some(slot), Some(s)) = (ids.agent_id, &self.agent_id) {
            *slot = Some(s.value.clone());
        }
        if let (Some(slot), Some(s)) = (ids.process_id, &self.process_id) {
            *slot = Some(s.value.clone());
        }
        if let (Some(slot), Some(s)) = (ids.stage, &self.stage) {
            *slot = Some(s.value);
        }
    }
}

/// A value a command needs, given by `flag` or by the profile's `key`.
pub fn required<'a, T>(value: &'a Option<T>, flag: &str, key: &str) -> Result<&'a T, Failure> {
    value.as_ref().ok_or_else(|| {
        Failure::usage(format!(
            "{flag} is required: pass it, or set {key} in the config file (`runs config show` says which file and profile)"
        ))
    })
}

/// A client for the endpoint, key and timeouts the global options give.
///
/// Fails with a usage error (exit 2) when there is no key, the base URL or a timeout is
/// unusable, or the CA file cannot be read or holds no usable certificate; no request is sent
/// in any case.
pub fn client(global: &Global) -> Result<Client, Failure> {
    limited_client(global, None)
}

/// As [`client`], sending at most `rate` requests a second to the API when given.
pub fn limited_client(global: &Global, rate: Option<u32>) -> Result<Client, Failure> {
    let from_profile;
    let key = match (
        global.api_key.as_deref().filter(|k| !k.is_empty()),
        &global.key_ref,
    ) {
        (Some(key), _) => key,
        (None, Some((key_ref, section))) => {
            from_profile = key_ref.read(section)?;
            from_profile.expose()
        }
        (None, None) => {
            return Err(Failure::usage(
                "no API key: pass --api-key KEY, set RUNS_API_KEY, or set api_key_env or api_key_command in the config file",
            ));
        }
    };
    let builder = Client::builder().api_key(key);
    // Proxies are the library's rules (a loopback base URL is always reached directly).
    let mut builder = match &global.base_url {
        Some(url) => builder.base_url(url),
        None => builder.region(global.region.into()),
    };
    for (flag, value) in [
        ("--request-timeout", global.request_timeout),
        ("--deadline", global.deadline),
    ] {
        if value.is_some_and(|v| v.is_zero()) {
            return Err(Failure::usage(format!("{flag} must be more than 0 seconds")));
        }
    }
    if let Some(timeout) = global.request_timeout {
        builder = builder.request_timeout(timeout);
    }
    if let Some(deadline) = global.deadline {
        builder = builder.deadline(deadline);
    }
    if let Some(attempts) = global.max_attempts {
        builder = builder.retry_policy(RetryPolicy::default().with_max_attempts(attempts));
    }
    if let Some(path) = &global.ca_cert {
        // Read and checked by build(), whose error names the file and any bad block.
        builder = builder.add_root_certificates_file(path);
    }
    if let Some(rate) = rate {
        builder = builder.rate_limit(rate);
    }
    Ok(builder.build()?)
}
