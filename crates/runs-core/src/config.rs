//! Where to send requests and how: endpoint, key, timeouts, retries, TLS and proxy settings.
//!
//! Both transports are configured by this one [`Config`], through one typed-state
//! [`ConfigBuilder`]: the key and the endpoint are required, and a builder missing either has no
//! `build` method. A transport's `Client::builder()` is this builder with the client as its
//! target (see [`FromConfig`]), so every setting exists once, with one default, for both.

pub(crate) mod connection;
pub(crate) mod endpoint;
pub(crate) mod proxy;
pub(crate) mod roots;
pub(crate) mod secret;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use crate::connection::ConnectionPlan;
use crate::error::{ConfigError, Error, Quoted};
use crate::proxy::{PROXY_ENV_VARS, Proxy, ProxyRules};
use crate::retry::RetryPolicy;
use crate::secret::{ApiKey, Secrets};
use crate::typestate::{Missing, Set};
use crate::wait::WaitPolicy;
pub(crate) use endpoint::{API_VERSION_PATH, NON_ASCII_HOST, is_in_domain, is_loopback_host};
pub use endpoint::{BaseUrl, Region};

/// Everything a transport needs to know to call the API. Build one with [`Config::builder`].
#[derive(Clone)]
pub struct Config {
    pub(crate) base_url: BaseUrl,
    pub(crate) api_key: ApiKey,
    pub(crate) user_agent: String,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) deadline: Duration,
    /// Whether the deadline was set by the caller: an upload's allowance for its size never
    /// stretches a deadline the caller chose.
    pub(crate) deadline_is_set: bool,
    /// Whether plain `http://` to another host was allowed on purpose: upload targets follow it.
    pub(crate) allow_insecure_http: bool,
    pub(crate) retry: RetryPolicy,
    pub(crate) wait: WaitPolicy,
    pub(crate) max_body_bytes: usize,
    pub(crate) rate_limit: Option<u32>,
    pub(crate) proxy: Proxy,
    pub(crate) connection: ConnectionPlan,
    pub(crate) headers: crate::wire::Headers,
    /// Scrubbed from server text before it reaches an error (the key; more may be added).
    pub(crate) secrets: Secrets,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key)
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("deadline", &self.deadline)
            .field("retry", &self.retry)
            .field("wait", &self.wait)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("rate_limit", &self.rate_limit)
            .field("proxy", &self.proxy)
            .field("connection", &self.connection)
            .finish()
    }
}

/// The default time allowed to open a connection (TCP and TLS): 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default time allowed for one request, from sending to the end of the body: 30 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The default time allowed for one operation, all retries included: 120 s.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);
/// The default cap on a response body: 16 MiB, far above a page of 100 runs.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// The longest connect or request timeout: a longer one (`Duration::MAX` for "none") is cut to
/// this (365 days) at build time, since HTTP libraries add timeouts to the clock and would
/// overflow.
pub const LONGEST_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 60 * 60);
/// The default `User-Agent`, naming this SDK and its version.
pub const DEFAULT_USER_AGENT: &str = concat!("runs-sdk-rust/", env!("CARGO_PKG_VERSION"));

impl Config {
    /// A builder whose target is a bare `Config`; transports offer the same builder with their
    /// client as the target.
    pub fn builder() -> ConfigBuilder<Missing, Missing, Config> {
        ConfigBuilder::new()
    }

    /// The base URL every path is joined to.
    pub fn base_url(&self) -> &BaseUrl {
        &self.base_url
    }
    /// The API key.
    pub fn api_key(&self) -> &ApiKey {
        &self.api_key
    }
    /// The `User-Agent` header.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }
    /// The time allowed to open a connection.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// The time allowed for one request, from sending to the end of the body.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }
    /// The time allowed for one operation, retries included.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }
    /// How failed requests are retried.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }
    /// How a run is polled while waiting for it.
    pub fn wait_policy(&self) -> &WaitPolicy {
        &self.wait
    }
    /// The largest response body accepted.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// The most requests a second the client sends to the API, if limited.
    pub fn rate_limit(&self) -> Option<u32> {
        self.rate_limit
    }
    /// The proxy setting, as given; a transport reads what it resolved to with
    /// [`ConnectionPlan::of`](crate::transport::ConnectionPlan::of).
    pub fn proxy(&self) -> &Proxy {
        &self.proxy
    }
}

/// What a [`ConfigBuilder`] builds: a [`Config`], or a client made from one.
pub trait FromConfig: Sized {
    /// Makes the target from a checked configuration.
    fn from_config(config: Config) -> Result<Self, Error>;
}

impl FromConfig for Config {
    fn from_config(config: Config) -> Result<Self, Error> {
        Ok(config)
    }
}

#[derive(Clone)]
enum Endpoint {
    Region(Region),
    Url(String),
}

/// Implemented by [`Set`] only: the API key has been given.
#[diagnostic::on_unimplemented(
    message = "missing API key: call `.api_key(..)` (or use `from_env()`) before `.build()`",
    label = "no API key set"
)]
pub trait KeyIsSet {}
/// Implemented by [`Set`] only: the endpoint has been given.
#[diagnostic::on_unimplemented(
    message = "missing endpoint: call `.region(..)` or `.base_url(..)` before `.build()`",
    label = "no endpoint set"
)]
pub trait EndpointIsSet {}
impl KeyIsSet for Set {}
impl EndpointIsSet for Set {}

/// Builds a [`Config`] (or a client: the `T` parameter). The API key and the endpoint are
/// required; everything else has a documented default.
///
/// ```
/// use std::time::Duration;
/// # use runs_core::{Config, Region};
///
/// let config = Config::builder()
///     .api_key("sk-test")
///     .region(Region::Eu)
///     .deadline(Duration::from_secs(30))
///     .build()?;
/// assert_eq!(config.base_url().as_str(), "https://rest-api.eu.kognitos.com/v2");
/// # Ok::<(), runs_core::Error>(())
/// ```
#[must_use = "a builder does nothing until .build() is called"]
pub struct ConfigBuilder<K, E, T> {
    api_key: Option<String>,
    endpoint: Option<Endpoint>,
    user_agent: String,
    connect_timeout: Duration,
    request_timeout: Duration,
    deadline: Duration,
    deadline_is_set: bool,
    retry: RetryPolicy,
    wait: WaitPolicy,
    max_body_bytes: usize,
    rate_limit: Option<u32>,
    allow_insecure_http: bool,
    proxy: Proxy,
    /// The proxy variables, when the builder came from [`ConfigBuilder::from_env_vars`].
    proxy_env: Option<Vec<(&'static str, String)>>,
    /// How `build()` reads `proxy`: [`NO_PROXY_PARSER`] until a setting needs the parser.
    resolve_proxies: ResolveProxies,
    root_certificates: Vec<RootSource>,
    state: PhantomData<BuilderState<K, E, T>>,
}

// `fn() -> _` keeps the builder Send and Sync whatever the markers and target are.
type BuilderState<K, E, T> = fn() -> (K, E, T);

impl<K, E, T> fmt::Debug for ConfigBuilder<K, E, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

impl<T> ConfigBuilder<Missing, Missing, T> {
    /// A builder with nothing set and every default in place.
    pub fn new() -> Self {
        Self {
            api_key: None,
            endpoint: None,
            user_agent: DEFAULT_USER_AGENT.into(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
            deadline_is_set: false,
            retry: RetryPolicy::default(),
            wait: WaitPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            rate_limit: None,
            allow_insecure_http: false,
            proxy: Proxy::default(),
            proxy_env: None,
            resolve_proxies: NO_PROXY_PARSER,
            root_certificates: Vec::new(),
            state: PhantomData,
        }
    }

    /// A builder with the key and endpoint read through `var` (normally the process
    /// environment): `RUNS_API_KEY` (required), `RUNS_BASE_URL`, else `RUNS_REGION` (`us`,
    /// `eu`, `uk`; default `us`). The proxy variables ([`PROXY_ENV_VARS`]) are read through
    /// `var` too, for [`Proxy::FromEnv`]: a test can give a whole environment as a map.
    pub fn from_env_vars(var: impl Fn(&str) -> Option<String>) -> Result<ConfigBuilder<Set, Set, T>, Error> {
        let key = var("RUNS_API_KEY")
            .filter(|k| !k.is_empty())
            .ok_or_else(|| ConfigError::new("RUNS_API_KEY", "is not set; export your API key in it"))?;
        let mut builder = Self::new().api_key(key);
        builder.resolve_proxies = resolve_proxies;
        builder.proxy_env = Some(
            PROXY_ENV_VARS
                .iter()
                .filter_map(|&name| var(name).map(|value| (name, value)))
                .collect(),
        );
        match (
            var("RUNS_BASE_URL").filter(|u| !u.is_empty()),
            var("RUNS_REGION").filter(|r| !r.is_empty()),
        ) {
            (Some(url), _) => Ok(builder.base_url(url)),
            (None, Some(region)) => {
                let region = region.parse::<Region>().map_err(|_| {
                    ConfigError::new(
                        "RUNS_REGION",
                        alloc::format!("{} is not one of us, eu, uk", Quoted(&region)),
                    )
                })?;
                Ok(builder.region(region))
            }
            (None, None) => Ok(builder.region(Region::Us)),
        }
    }

    /// [`from_env_vars`](Self::from_env_vars) over the process environment.
    #[cfg(feature = "std")]
    pub fn from_env() -> Result<ConfigBuilder<Set, Set, T>, Error> {
        Self::from_env_vars(|name| std::env::var(name).ok())
    }
}

impl<T> Default for ConfigBuilder<Missing, Missing, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, E, T> ConfigBuilder<K, E, T> {
    fn retype<K2, E2>(self) -> ConfigBuilder<K2, E2, T> {
        ConfigBuilder {
            api_key: self.api_key,
            endpoint: self.endpoint,
            user_agent: self.user_agent,
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            deadline: self.deadline,
            deadline_is_set: self.deadline_is_set,
            retry: self.retry,
            wait: self.wait,
            max_body_bytes: self.max_body_bytes,
            rate_limit: self.rate_limit,
            allow_insecure_http: self.allow_insecure_http,
            proxy: self.proxy,
            proxy_env: self.proxy_env,
            resolve_proxies: self.resolve_proxies,
            root_certificates: self.root_certificates,
            state: PhantomData,
        }
    }

    /// The API key (required).
    pub fn api_key(mut self, key: impl Into<String>) -> ConfigBuilder<Set, E, T> {
        self.api_key = Some(key.into());
        self.retype()
    }

    /// Use a region of the hosted service.
    pub fn region(mut self, region: Region) -> ConfigBuilder<K, Set, T> {
        self.endpoint = Some(Endpoint::Region(region));
        self.retype()
    }

    /// Use this base URL (ending in the API version, `/v2`), for an emulator or a gateway.
    pub fn base_url(mut self, url: impl Into<String>) -> ConfigBuilder<K, Set, T> {
        self.endpoint = Some(Endpoint::Url(url.into()));
        self.retype()
    }

    #[doc = concat!("Sets the `User-Agent` header; default `runs-sdk-rust/", env!("CARGO_PKG_VERSION"), "`.")]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Time allowed to open a connection (TCP and TLS); default 10 s. A longer one than 365
    /// days is cut to 365 days.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one request, from sending to the end of the body; default 30 s. A
    /// longer one than 365 days is cut to 365 days. An upload may take longer while its bytes
    /// keep moving, but ends this long after its last byte moved.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Time allowed for one operation, retries included; default 120 s.
    /// `Duration::MAX` means no deadline. An upload left with the default gets more time for
    /// its size while it keeps moving; a deadline set here is never exceeded, by an upload
    /// either ([`Upload`](crate::transport::Upload) says how long an upload may take).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self.deadline_is_set = true;
        self
    }

    /// How failed requests are retried; default 4 attempts, backoff from 200 ms doubling to
    /// at most 10 s, `Retry-After` honoured up to 60 s ([`RetryPolicy::default`]).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How runs are polled while waiting; default the first poll at once, then after 1 s,
    /// growing by half each time to at most 10 s, giving up after 10 minutes or 5 failed
    /// polls in a row ([`WaitPolicy::default`]).
    pub fn wait_policy(mut self, wait: WaitPolicy) -> Self {
        self.wait = wait;
        self
    }

    /// The largest response body accepted; default 16 MiB.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Sends at most `requests_per_second` requests to the API, counted over the client and
    /// all its clones (every operation, retry, page and poll); default no limit. Whatever the
    /// limit, a `429` holds every request of the client until its `Retry-After`, and with a
    /// limit it also slows the pace until answers come back without one
    /// ([`transport::Throttle`](crate::transport::Throttle) says how). `build()` refuses 0.
    pub fn rate_limit(mut self, requests_per_second: u32) -> Self {
        self.rate_limit = Some(requests_per_second);
        self
    }

    /// Allows `http://` to hosts other than this machine. Off by default: the API key would
    /// cross the network in clear.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The HTTP proxy; default the proxy environment variables (`HTTPS_PROXY`, `NO_PROXY`
    /// and the others of [`Proxy::FromEnv`]), read once by `build()`.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = proxy;
        self.resolve_proxies = resolve_proxies;
        self
    }

    /// Trusts the certificates in this PEM text as roots, beside the built-in ones (a test CA,
    /// a corporate proxy's CA). Checked by `build()`, which names it `PEM number N` (the Nth
    /// PEM given) in an error.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(RootSource {
            source: RootKind::Pem(pem.into()),
            read: RootKind::certificates,
        });
        self
    }

    /// Trusts the certificates in the PEM file at `path` as roots. The file is read by
    /// `build()`, whose error names the path (and the bad block, if one is).
    #[cfg(feature = "std")]
    pub fn add_root_certificates_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.root_certificates.push(RootSource {
            source: RootKind::File(path.into()),
            read: RootKind::certificates,
        });
        self
    }
}

// As with StartRunBuilder: a where-clause on the method names the missing setting.
impl<K, E, T: FromConfig> ConfigBuilder<K, E, T> {
    /// Checks the settings and builds the target.
    pub fn build(self) -> Result<T, Error>
    where
        K: KeyIsSet,
        E: EndpointIsSet,
    {
        let api_key = ApiKey::new(self.api_key.unwrap_or_default())?;
        let base_url = match self.endpoint {
            Some(Endpoint::Region(r)) => BaseUrl::parse(r.base_url())?,
            Some(Endpoint::Url(u)) => BaseUrl::parse(&u)?,
            None => return Err(ConfigError::new("base_url", "is not set").into()),
        };
        if !base_url.is_https() && !base_url.is_loopback() && !self.allow_insecure_http {
            return Err(ConfigError::new(
                "base_url",
                alloc::format!(
                    "{base_url} is plain http:// to another host, which would send the API key in clear; \
                     use https:// or opt in with allow_insecure_http(true)"
                ),
            )
            .into());
        }
        let proxies = (self.resolve_proxies)(&self.proxy, self.proxy_env.as_deref())?;
        let mut roots = Vec::new();
        for (n, root) in self.root_certificates.iter().enumerate() {
            roots.extend((root.read)(&root.source, n + 1)?);
        }
        if self.user_agent.bytes().any(|b| b.is_ascii_control()) {
            return Err(ConfigError::new("user_agent", "must not contain control characters").into());
        }
        if self.request_timeout.is_zero() || self.deadline.is_zero() || self.connect_timeout.is_zero() {
            return Err(
                ConfigError::new("timeout", "timeouts and the deadline must be more than zero").into(),
            );
        }
        if self.rate_limit == Some(0) {
            return Err(ConfigError::new(
                "rate_limit",
                "must be at least 1 request a second; leave it unset for no limit",
            )
            .into());
        }
        let headers = crate::wire::Headers::new(api_key.expose(), &self.user_agent, base_url.origin());
        // The key, and any proxy password (alone and as the Basic header a proxy could echo).
        let secrets = proxies
            .endpoints()
            .flat_map(crate::proxy::ProxyEndpoint::secrets)
            .fold(Secrets::default().with(api_key.expose()), |all, secret| {
                all.with(secret)
            });
        T::from_config(Config {
            headers,
            secrets,
            base_url,
            api_key,
            user_agent: self.user_agent,
            connect_timeout: self.connect_timeout.min(LONGEST_TIMEOUT),
            request_timeout: self.request_timeout.min(LONGEST_TIMEOUT),
            deadline: self.deadline,
            deadline_is_set: self.deadline_is_set,
            allow_insecure_http: self.allow_insecure_http,
            retry: self.retry,
            wait: self.wait,
            max_body_bytes: self.max_body_bytes,
            rate_limit: self.rate_limit,
            proxy: self.proxy,
            connection: ConnectionPlan::new(proxies, roots),
        })
    }
}

/// How `build()` turns the proxy setting (and the variables `from_env_vars` read) into rules.
type ResolveProxies = fn(&Proxy, Option<&[(&'static str, String)]>) -> Result<ProxyRules, ConfigError>;

/// The proxy rules, by [`ProxyRules::resolve`].
fn resolve_proxies(proxy: &Proxy, env: Option<&[(&'static str, String)]>) -> Result<ProxyRules, ConfigError> {
    match env {
        Some(env) => ProxyRules::resolve(proxy, |name| {
            env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
        }),
        None => ProxyRules::resolve(proxy, process_env),
    }
}

/// A new builder's resolver. With `std`, the process environment's proxy variables apply, so
/// it is [`resolve_proxies`]. Without `std` there is no process environment, so the default
/// setting ([`Proxy::FromEnv`] over nothing) can only mean no proxy: decided here without the
/// parser, which `proxy()` and `from_env_vars` put back. A firmware image that sets no proxy
/// then carries no proxy parsing (about 12 KiB, docs/performance.md).
#[cfg(feature = "std")]
const NO_PROXY_PARSER: ResolveProxies = resolve_proxies;
#[cfg(not(feature = "std"))]
const NO_PROXY_PARSER: ResolveProxies = no_proxies;

/// What [`resolve_proxies`] answers for the default setting with no variables set.
#[cfg_attr(feature = "std", allow(dead_code))] // Tested against the parser; used without std.
fn no_proxies(_: &Proxy, _: Option<&[(&'static str, String)]>) -> Result<ProxyRules, ConfigError> {
    Ok(ProxyRules::default())
}

/// An extra root and the function that reads it. The reader is chosen where the root is
/// added rather than matched on in `build()`, so a program that adds no root links no PEM
/// parser (about 12 KiB of a firmware image, docs/performance.md).
struct RootSource {
    source: RootKind,
    read: fn(&RootKind, usize) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, ConfigError>,
}

/// Where extra roots come from; read and parsed by `build()`.
enum RootKind {
    Pem(Vec<u8>),
    #[cfg(feature = "std")]
    File(std::path::PathBuf),
}

impl RootKind {
    fn certificates(
        &self,
        number: usize,
    ) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, ConfigError> {
        match self {
            RootKind::Pem(pem) => crate::roots::parse_pem(&alloc::format!("PEM number {number}"), pem),
            #[cfg(feature = "std")]
            RootKind::File(path) => {
                let pem = std::fs::read(path).map_err(|e| {
                    ConfigError::new(
                        "root_certificates",
                        alloc::format!("cannot read {}: {e}", path.display()),
                    )
                })?;
                crate::roots::parse_pem(&path.display().to_string(), &pem)
            }
        }
    }
}

/// The process environment, where there is one.
fn process_env(name: &str) -> Option<String> {
    #[cfg(feature = "std")]
    {
        std::env::var(name).ok()
    }
    #[cfg(not(feature = "std"))]
    {
        let _ = name;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_std_the_default_proxy_setting_resolves_as_the_parser_would_over_no_variables() {
        // no_std builders start with `no_proxies`, which skips the parser on this equality.
        let parsed = resolve_proxies(&Proxy::FromEnv, Some(&[]));
        assert_eq!(parsed, no_proxies(&Proxy::FromEnv, Some(&[])));
        assert_eq!(parsed, no_proxies(&Proxy::FromEnv, None));
    }

    #[test]
    fn the_defaults_are_the_values_the_builder_docs_write() {
        // ConfigBuilder's setters write each default as a value ("default 30 s"): these.
        let config = ConfigBuilder::<_, _, Config>::from_env_vars(|name| {
            (name == "RUNS_API_KEY").then(|| "sk-test".into())
        })
        .unwrap()
        .build()
        .unwrap();
        let secs = Duration::from_secs;
        assert_eq!(config.connect_timeout(), secs(10));
        assert_eq!(config.request_timeout(), secs(30));
        assert_eq!(config.deadline(), secs(120));
        assert_eq!(LONGEST_TIMEOUT, secs(365 * 24 * 3600));
        assert_eq!(config.max_body_bytes(), 16 * 1024 * 1024);
        assert_eq!(
            config.user_agent(),
            alloc::format!("runs-sdk-rust/{}", env!("CARGO_PKG_VERSION"))
        );
        assert_eq!(*config.proxy(), Proxy::FromEnv);
        let retry = config.retry_policy();
        assert_eq!(
            (
                retry.max_attempts(),
                retry.initial_backoff(),
                retry.max_backoff(),
                retry.max_retry_after()
            ),
            (4, Duration::from_millis(200), secs(10), secs(60))
        );
        let wait = config.wait_policy();
        assert_eq!(
            (
                wait.initial_interval(),
                wait.factor(),
                wait.max_interval(),
                wait.timeout()
            ),
            (secs(1), 1.5, secs(10), secs(600))
        );
        assert_eq!(wait.max_failed_polls(), 5);
    }

    #[test]
    fn plain_http_to_a_remote_host_is_refused_unless_allowed() {
        let refused = Config::builder()
            .api_key("k")
            .base_url("http://api.example.com/v2")
            .build();
        assert!(matches!(refused, Err(Error::Config(e)) if e.setting() == "base_url"));
        let allowed = Config::builder()
            .api_key("k")
            .base_url("http://api.example.com/v2")
            .allow_insecure_http(true)
            .build();
        assert!(allowed.is_ok());
    }

    #[test]
    fn env_base_url_wins_over_region_and_key_is_required() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        let c = ConfigBuilder::<_, _, Config>::from_env_vars(env(&[
            ("RUNS_API_KEY", "k"),
            ("RUNS_REGION", "eu"),
            ("RUNS_BASE_URL", "http://127.0.0.1:1/v2"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(c.base_url().as_str(), "http://127.0.0.1:1/v2");
        let missing = ConfigBuilder::<_, _, Config>::from_env_vars(env(&[]));
        assert!(missing.unwrap_err().to_string().contains("RUNS_API_KEY"));
        let bad_region = ConfigBuilder::<_, _, Config>::from_env_vars(env(&[
            ("RUNS_API_KEY", "k"),
            ("RUNS_REGION", "mars"),
        ]));
        assert!(bad_region.unwrap_err().to_string().contains("RUNS_REGION"));
    }

    #[test]
    fn proxy_passwords_are_scrubbed_like_the_key() {
        let c = Config::builder()
            .api_key("sk-secret-123")
            .region(Region::Us)
            .proxy(Proxy::Url("http://user:hunter22@proxy.corp:3128".into()))
            .build()
            .unwrap();
        let echoed = "denied for sk-secret-123 via hunter22 (Basic dXNlcjpodW50ZXIyMg==)";
        let scrubbed = Secrets::of(&c).scrub(echoed);
        for secret in ["sk-secret-123", "hunter22", "dXNlcjpodW50ZXIyMg=="] {
            assert!(!scrubbed.contains(secret), "{scrubbed}");
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let c = Config::builder()
            .api_key("sk-secret-123")
            .region(Region::Us)
            .build()
            .unwrap();
        assert!(!format!("{c:?}").contains("sk-secret-123"));
        let b = Config::builder().api_key("sk-secret-123");
        assert!(!format!("{b:?}").contains("sk-secret-123"));
    }
}
