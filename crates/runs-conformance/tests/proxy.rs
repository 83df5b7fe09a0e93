//! One table of proxy cases, run end to end against both transports through a real `CONNECT`
//! proxy on loopback: each case must end the same way on runs-blocking and runs-async, and as
//! the table says.
//!
//! No case sends a byte off this machine or asks DNS anything. A "remote" origin is
//! `http://0.0.0.0:PORT`: not loopback by runs-core's rule (so proxies from the environment
//! apply to it), yet connecting to it directly reaches this machine's listeners. A host
//! *name* is used only where the proxy carries the connection, since the client then never
//! resolves it (the proxy maps it to the emulator).

use std::net::TcpListener;

use runs_conformance::ConnectProxy;
use runs_core::transport::FromConfig;
use runs_core::{ConfigBuilder, Delivery, Error, Proxy, RetryPolicy, TransportErrorKind};
use runs_emulator::{Emulator, Schedule};

const KEY: &str = "sk-conformance";
const NAME: &str = "api.runs.test";

/// Where the client is pointed.
#[derive(Debug, Clone, Copy)]
enum Base {
    /// `http://0.0.0.0:PORT/v2`: not loopback, reachable directly.
    Remote,
    /// `http://api.runs.test:PORT/v2`: only the proxy can reach it.
    Named,
    /// The emulator's own `127.0.0.1` URL.
    Loopback,
}

/// How a case ends.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Both requests succeeded; `through_proxy` says whether every connection was a tunnel
    /// (`true`) or none was (`false`).
    Answered { through_proxy: bool },
    /// `build()` refused the configuration, naming this setting.
    Refused(String),
    /// The first request failed below HTTP.
    Failed(TransportErrorKind, Delivery),
}

struct Case {
    name: &'static str,
    env: Vec<(&'static str, String)>,
    setting: Option<Proxy>,
    base: Base,
    tls: bool,
    /// The `Proxy-Authorization` the proxy demands, if any.
    required: Option<&'static str>,
    expected: Outcome,
}

fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// The cases, for a proxy at `proxy` (a URL with no credentials).
fn cases(proxy: &str) -> Vec<Case> {
    use Outcome::{Answered, Failed, Refused};
    let via = Answered { through_proxy: true };
    let direct = Answered { through_proxy: false };
    let p = || proxy.to_owned();
    let with = |user: &str, pass: &str| proxy.replacen("http://", &format!("http://{user}:{pass}@"), 1);
    let case = |name, env: Vec<(&'static str, String)>, base, expected| Case {
        name,
        env,
        setting: None,
        base,
        tls: false,
        required: None,
        expected,
    };
    vec![
        case(
            "HTTP_PROXY carries an http origin",
            vec![("HTTP_PROXY", p())],
            Base::Remote,
            via.clone(),
        ),
        case(
            "http_proxy wins over HTTP_PROXY",
            vec![("http_proxy", p()), ("HTTP_PROXY", closed_port_url())],
            Base::Remote,
            via.clone(),
        ),
        case(
            "ALL_PROXY when nothing else is set",
            vec![("ALL_PROXY", p())],
            Base::Remote,
            via.clone(),
        ),
        case(
            "HTTPS_PROXY is not for an http origin",
            vec![("HTTPS_PROXY", p())],
            Base::Remote,
            direct.clone(),
        ),
        case(
            "NO_PROXY naming the IP goes direct",
            vec![("HTTP_PROXY", p()), ("NO_PROXY", "0.0.0.0".into())],
            Base::Remote,
            direct.clone(),
        ),
        case(
            "NO_PROXY * goes direct",
            vec![("HTTP_PROXY", p()), ("NO_PROXY", "*".into())],
            Base::Remote,
            direct.clone(),
        ),
        case(
            "NO_PROXY as a CIDR block goes direct",
            vec![("HTTP_PROXY", p()), ("NO_PROXY", "0.0.0.0/8".into())],
            Base::Remote,
            direct.clone(),
        ),
        case(
            "no_proxy wins over NO_PROXY",
            vec![
                ("HTTP_PROXY", p()),
                ("NO_PROXY", "*".into()),
                ("no_proxy", "elsewhere.test".into()),
            ],
            Base::Remote,
            via.clone(),
        ),
        case(
            "a CGI program ignores HTTP_PROXY",
            vec![("HTTP_PROXY", p()), ("REQUEST_METHOD", "GET".into())],
            Base::Remote,
            direct.clone(),
        ),
        case(
            "loopback is always direct",
            vec![("HTTP_PROXY", p()), ("ALL_PROXY", p())],
            Base::Loopback,
            direct.clone(),
        ),
        case(
            "a host name reaches the proxy unresolved",
            vec![("HTTP_PROXY", p())],
            Base::Named,
            via.clone(),
        ),
        Case {
            required: Some("Basic dXNlcjpzM2NyZXQh"), // user:s3cret!
            ..case(
                "credentials are sent as Basic on the CONNECT",
                vec![("HTTP_PROXY", with("user", "s3cret%21"))],
                Base::Named,
                via.clone(),
            )
        },
        Case {
            required: Some("Basic dXNlcjpzM2NyZXQh"),
            ..case(
                "wrong credentials are refused credentials, never sent",
                vec![("HTTP_PROXY", with("user", "hunter22"))],
                Base::Named,
                Failed(TransportErrorKind::ProxyAuth, Delivery::NotSent),
            )
        },
        Case {
            required: Some("Basic dXNlcjpzM2NyZXQh"),
            ..case(
                "no credentials for a proxy that asks for some are refused credentials",
                vec![("HTTP_PROXY", p())],
                Base::Named,
                Failed(TransportErrorKind::ProxyAuth, Delivery::NotSent),
            )
        },
        case(
            "a proxy refusing connections is a proxy error, never sent",
            vec![("HTTP_PROXY", closed_port_url())],
            Base::Remote,
            Failed(TransportErrorKind::Proxy, Delivery::NotSent),
        ),
        case(
            "a socks proxy is refused, naming the variable",
            vec![("ALL_PROXY", "socks5://127.0.0.1:1080".into())],
            Base::Remote,
            Refused("ALL_PROXY".into()),
        ),
        case(
            "an https proxy is refused, naming the variable",
            vec![("HTTP_PROXY", "https://127.0.0.1:3128".into())],
            Base::Remote,
            Refused("HTTP_PROXY".into()),
        ),
        Case {
            setting: Some(Proxy::None),
            ..case(
                "Proxy::None ignores the environment",
                vec![("HTTP_PROXY", p())],
                Base::Remote,
                direct.clone(),
            )
        },
        Case {
            setting: Some(Proxy::Url(p())),
            ..case(
                "an explicit proxy carries loopback too",
                vec![],
                Base::Loopback,
                via.clone(),
            )
        },
        Case {
            setting: Some(Proxy::Url(p())),
            tls: true,
            ..case(
                "an explicit proxy carries TLS end to end",
                vec![],
                Base::Loopback,
                via,
            )
        },
        Case {
            setting: Some(Proxy::Url("http://127.0.0.1:3128/a/path".into())),
            ..case(
                "a proxy URL with a path is refused",
                vec![],
                Base::Remote,
                Refused("proxy".into()),
            )
        },
    ]
}

/// Builds a client of either transport for `case` against `emulator`.
fn client<T: FromConfig>(case: &Case, emulator: &Emulator) -> Result<T, Error> {
    let port = emulator.addr().port();
    let base = match case.base {
        Base::Remote => format!("http://0.0.0.0:{port}/v2"),
        Base::Named => format!("http://{NAME}:{port}/v2"),
        Base::Loopback => emulator.base_url().to_owned(),
    };
    let mut env = case.env.clone();
    env.extend([("RUNS_API_KEY", KEY.to_owned()), ("RUNS_BASE_URL", base)]);
    let mut builder = ConfigBuilder::<_, _, T>::from_env_vars(|name| {
        env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
    })?
    .allow_insecure_http(true)
    .retry_policy(RetryPolicy::default().with_max_attempts(1));
    if let Some(setting) = &case.setting {
        builder = builder.proxy(setting.clone());
    }
    if let Some(ca) = emulator.ca_pem() {
        builder = builder.add_root_certificate_pem(ca);
    }
    builder.build()
}

fn outcome(result: Result<(), Error>, proxy: &ConnectProxy, emulator: &Emulator, before: u64) -> Outcome {
    match result {
        Ok(()) => {
            let connections = emulator.counters().connections - before;
            let opened = proxy.opened() as u64;
            assert!(connections >= 1);
            // All or nothing: a plan is per origin, so no connection may take the other path.
            assert!(
                opened == 0 || opened == connections,
                "{opened} tunnels for {connections} connections"
            );
            Outcome::Answered {
                through_proxy: opened > 0,
            }
        }
        Err(Error::Config(e)) => Outcome::Refused(e.setting().to_owned()),
        Err(Error::Transport(e)) => Outcome::Failed(e.kind(), e.delivery()),
        Err(other) => panic!("unexpected error: {other}"),
    }
}

fn start() -> runs_core::StartRun {
    runs_core::StartRun::builder()
        .agent_id("demo-agent")
        .process_id("hello-world")
        .name("through a proxy")
        .stage(runs_core::ProcessStage::Published)
        .build()
        .unwrap()
}

fn blocking(case: &Case, emulator: &Emulator) -> Result<(), Error> {
    let client: runs_blocking::Client = client(case, emulator)?;
    let run = client.start_run(&start())?;
    client.get_run(&run.id).map(drop)
}

fn asynchronous(case: &Case, emulator: &Emulator) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client: runs_async::Client = client(case, emulator)?;
        let run = client.start_run(&start()).await?;
        client.get_run(&run.id).await.map(drop)
    })
}

#[test]
fn both_transports_follow_the_connection_plan_case_for_case() {
    let plain = Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::Instant)
        .start()
        .unwrap();
    let tls = Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::Instant)
        .tls(true)
        .start()
        .unwrap();
    let names = cases("http://x").len();
    for index in 0..names {
        let mut seen = Vec::new();
        for (transport, run) in [
            ("runs-blocking", blocking as fn(&Case, &Emulator) -> _),
            ("runs-async", asynchronous),
        ] {
            // A fresh proxy per run, so its tunnels are this run's alone.
            let proxy = ConnectProxy::start().unwrap();
            let case = cases(&proxy.url()).swap_remove(index);
            let emulator = if case.tls { &tls } else { &plain };
            let proxy = proxy.host(NAME, emulator.addr()).host("0.0.0.0", emulator.addr());
            let proxy = match case.required {
                Some(value) => proxy.require_authorization(value),
                None => proxy,
            };
            let before = emulator.counters().connections;
            let result = run(&case, emulator);
            if let Err(e) = &result {
                let shown = format!("{e} {e:?}");
                assert!(
                    !shown.contains("hunter22") && !shown.contains("s3cret"),
                    "{transport}: {shown}"
                );
            }
            let got = outcome(result, &proxy, emulator, before);
            assert_eq!(got, case.expected, "{transport}: {}", case.name);
            if let Some(required) = case.required {
                let sent: Vec<_> = proxy.tunnels().into_iter().map(|t| t.authorization).collect();
                assert!(!sent.is_empty(), "{transport}: {}", case.name);
                let accepted = case.expected == Outcome::Answered { through_proxy: true };
                assert!(
                    sent.iter().all(|s| (s.as_deref() == Some(required)) == accepted),
                    "{transport}: {sent:?}"
                );
            }
            seen.push(got);
        }
        assert_eq!(
            seen[0],
            seen[1],
            "the transports differ on {}",
            cases("http://x")[index].name
        );
    }
}

/// A client of either transport for the emulator's own URL, every connection through `proxy`
/// (a [`Proxy::Url`], credentials allowed), retrying as `retry` says.
fn through<T: FromConfig>(proxy: &str, emulator: &Emulator, retry: RetryPolicy) -> T {
    ConfigBuilder::<_, _, T>::from_env_vars(|name| match name {
        "RUNS_API_KEY" => Some(KEY.to_owned()),
        "RUNS_BASE_URL" => Some(emulator.base_url().to_owned()),
        _ => None,
    })
    .unwrap()
    .allow_insecure_http(true)
    .proxy(Proxy::Url(proxy.to_owned()))
    .retry_policy(retry)
    .build()
    .unwrap()
}

/// How a transport fails to start a run through `proxy`.
type FailThrough = fn(&str, &Emulator, RetryPolicy) -> Error;

/// Each transport, by name, with how it fails to start a run through a proxy.
const TRANSPORTS: [(&str, FailThrough); 2] = [
    ("runs-blocking", |proxy, emulator, retry| {
        let client: runs_blocking::Client = through(proxy, emulator, retry);
        client.start_run(&start()).unwrap_err()
    }),
    ("runs-async", |proxy, emulator, retry| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client: runs_async::Client = through(proxy, emulator, retry);
            client.start_run(&start()).await.unwrap_err()
        })
    }),
];

/// The error as a chain printer shows it, and as `Debug` does: neither may hold a credential.
fn shown(error: &Error) -> String {
    let mut text = format!("{error} {error:?}");
    let mut next = std::error::Error::source(error);
    while let Some(cause) = next {
        text.push_str(&format!(" / {cause}"));
        next = cause.source();
    }
    text
}

#[test]
fn a_proxy_refusing_connections_is_named_rather_than_taken_for_the_api() {
    let emulator = Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::Instant)
        .start()
        .unwrap();
    let closed = closed_port_url();
    let address = closed.trim_start_matches("http://");
    let proxy = closed.replacen("http://", "http://user:hunter22@", 1);
    for (transport, fail) in TRANSPORTS {
        let error = fail(&proxy, &emulator, RetryPolicy::none());
        let Error::Transport(e) = &error else {
            panic!("{transport}: {error:?}")
        };
        assert_eq!(
            (e.kind(), e.delivery()),
            (TransportErrorKind::Proxy, Delivery::NotSent),
            "{transport}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "could not connect to the proxy {address} (for POST {}/runs)",
                emulator.base_url()
            ),
            "{transport}"
        );
        let shown = shown(&error);
        assert!(!shown.contains("hunter22"), "{transport}: {shown}");
    }
    assert_eq!(emulator.counters().connections, 0);
}

#[test]
fn credentials_the_proxy_refuses_end_the_call_after_one_connect() {
    let emulator = Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::Instant)
        .start()
        .unwrap();
    for (transport, fail) in TRANSPORTS {
        let proxy = ConnectProxy::start()
            .unwrap()
            .host("127.0.0.1", emulator.addr())
            .require_authorization("Basic dXNlcjpzM2NyZXQh"); // user:s3cret!
        let address = proxy.url().trim_start_matches("http://").to_owned();
        // The default policy, which retries a POST that provably was not sent.
        let error = fail(
            &proxy.url_with_credentials("user", "hunter22"),
            &emulator,
            RetryPolicy::default(),
        );
        let Error::Transport(e) = &error else {
            panic!("{transport}: {error:?}")
        };
        assert_eq!(
            (e.kind(), e.delivery()),
            (TransportErrorKind::ProxyAuth, Delivery::NotSent),
            "{transport}"
        );
        assert!(!error.is_retryable());
        assert_eq!(
            error.to_string(),
            format!(
                "the proxy {address} refused the credentials (for POST {}/runs); \
                 check the user name and password in the proxy URL",
                emulator.base_url()
            ),
            "{transport}"
        );
        let shown = shown(&error);
        // The password, and the header that would carry it (user:hunter22 in base64).
        assert!(
            !shown.contains("hunter22") && !shown.contains("dXNlcjpodW50ZXIyMg"),
            "{transport}: {shown}"
        );
        let tunnels = proxy.tunnels();
        assert_eq!(
            tunnels.len(),
            1,
            "{transport}: asked once, never again: {tunnels:?}"
        );
        assert!(!tunnels[0].opened);
    }
    assert_eq!(emulator.counters().connections, 0);
}
