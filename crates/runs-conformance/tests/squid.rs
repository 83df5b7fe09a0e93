//! Both transports through a real squid, the proxy most corporate networks run, with basic
//! authentication: wrong credentials are reported once as the proxy refusing them (squid
//! answers `407` to the `CONNECT`, and its access log shows it was asked once), never shown;
//! the right ones reach the emulator.
//!
//! Behind the `real-peers` feature, since it needs squid installed (`apt-get install squid`;
//! `.ci/run` does that): `cargo test -p runs-conformance --features real-peers --test squid`.
//!
//! The test starts its own squid on `127.0.0.1` at a free port, with a configuration of its own
//! in a temporary directory (logs included), and kills it when done. Both transports tunnel
//! every connection through a proxy with `CONNECT`, plain `http://` origins too, so squid is
//! configured to allow `CONNECT` to any port of an authenticated user (its stock configuration
//! allows it only to 443). The password file is made with `perl`'s `crypt` (SHA-512, as
//! `basic_ncsa_auth` reads it through the same libcrypt): perl is in every Debian system.

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use runs_core::transport::FromConfig;
use runs_core::{ConfigBuilder, Delivery, Error, Proxy, RetryPolicy, TransportErrorKind};
use runs_emulator::{Emulator, Schedule};

const KEY: &str = "sk-squid-conformance";
const USER: &str = "runs";
const PASSWORD: &str = "right-Pa55";
const WRONG: &str = "wrong-hunter22";

/// Where squid's helper is on Debian.
const NCSA_AUTH: &str = "/usr/lib/squid/basic_ncsa_auth";

/// How long squid may take to start, or to write a log line: a bound so that a broken setup
/// fails the test instead of hanging it, not a measure of anything.
const PATIENCE: Duration = Duration::from_secs(30);

/// A squid process of this test's own; killed when dropped.
struct Squid {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Squid {
    /// Starts squid on a free loopback port, accepting `USER`/`PASSWORD` only. A port taken
    /// between choosing it and squid binding it is a squid that exits: tried again elsewhere.
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        // squid started as root runs as its own user, which must read the password file and
        // write the logs.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let logs = dir.path().join("logs");
        fs::create_dir(&logs).unwrap();
        fs::set_permissions(&logs, fs::Permissions::from_mode(0o777)).unwrap();
        let passwords = dir.path().join("passwd");
        fs::write(&passwords, format!("{USER}:{}\n", sha512_crypt(PASSWORD))).unwrap();
        fs::set_permissions(&passwords, fs::Permissions::from_mode(0o644)).unwrap();
        let mut last_failure = String::new();
        for _ in 0..5 {
            let port = free_port();
            let conf = dir.path().join("squid.conf");
            fs::write(&conf, config(port, &passwords, &logs)).unwrap();
            let mut child = Command::new(squid_binary())
                .arg("-N") // in the foreground: this process is the one to kill
                .arg("-n") // its shared memory named for it, not for a squid elsewhere
                .arg(service(port))
                .arg("-f")
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(fs::File::create(logs.join("stdout")).unwrap())
                .stderr(fs::File::create(logs.join("stderr")).unwrap())
                .spawn()
                .expect("squid is installed (apt-get install squid)");
            match ready(&mut child, port, &logs) {
                Ok(()) => return Squid { child, port, dir },
                Err(why) => {
                    last_failure = why;
                    stop(&mut child, port);
                }
            }
        }
        panic!("squid did not start: {last_failure}");
    }

    /// `http://user:password@127.0.0.1:PORT`.
    fn url_with(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@127.0.0.1:{}", self.port)
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn access_log(&self) -> String {
        fs::read_to_string(self.dir.path().join("logs/access.log")).unwrap_or_default()
    }

    /// The access log once every request squid answered before this call is in it: squid
    /// logs a request when it has answered it, so a request of our own (`CONNECT` to
    /// `marker`, refused for want of credentials) is answered and logged after them.
    fn settled_access_log(&self, marker: &str) -> String {
        let mut probe = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(probe, "CONNECT {marker}:1 HTTP/1.1\r\nHost: {marker}:1\r\n\r\n").unwrap();
        let mut head = [0u8; 12];
        probe.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 407", "squid asks the marker for credentials");
        drop(probe);
        self.wait_for_log(|log| log.contains(marker))
    }

    /// The access log once `done` holds for it.
    fn wait_for_log(&self, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let log = self.access_log();
            if done(&log) {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "squid's access log did not show it within {PATIENCE:?}:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Squid {
    fn drop(&mut self) {
        stop(&mut self.child, self.port);
    }
}

/// The service name of the squid on `port`, which names its shared memory: unique while it
/// runs, since it holds the port.
fn service(port: u16) -> String {
    format!("runsconformance{port}")
}

/// Kills the squid on `port` and removes the shared memory it leaves when killed
/// (`/dev/shm/SERVICE-*.shm`). Its helper (basic_ncsa_auth) exits when its input, from squid,
/// closes.
fn stop(squid: &mut Child, port: u16) {
    let _ = squid.kill();
    let _ = squid.wait();
    let prefix = format!("{}-", service(port));
    for entry in fs::read_dir("/dev/shm").into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// squid from the `PATH`, else where Debian puts it (`/usr/sbin`, not on a user's `PATH`).
fn squid_binary() -> &'static str {
    let on_path = Command::new("squid")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if on_path { "squid" } else { "/usr/sbin/squid" }
}

/// Waits until squid accepts connections on `port`, or fails with what it logged if it exited
/// (a port taken by someone else, a configuration it refused).
fn ready(squid: &mut Child, port: u16, logs: &Path) -> Result<(), String> {
    let logged = || {
        ["cache.log", "stderr"]
            .iter()
            .map(|name| fs::read_to_string(logs.join(name)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = squid.try_wait().unwrap() {
            return Err(format!("squid exited ({status}): {}", logged()));
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("not listening after {PATIENCE:?}: {}", logged()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A configuration of this test's own: no cache, no pid file, logs in `logs`, only
/// authenticated users, `CONNECT` to any port (the emulator's is not 443).
fn config(port: u16, passwords: &Path, logs: &Path) -> String {
    let logs = logs.display();
    format!(
        "http_port 127.0.0.1:{port}
pid_filename none
cache deny all
cache_mem 8 MB
access_log stdio:{logs}/access.log
cache_log {logs}/cache.log
cache_store_log none
logfile_rotate 0
buffered_logs off
coredump_dir {logs}
netdb_filename none
pinger_enable off
shutdown_lifetime 0 seconds
visible_hostname runs-conformance
auth_param basic program {NCSA_AUTH} {passwords}
auth_param basic children 1 startup=1 idle=1
auth_param basic realm runs-conformance
acl authenticated proxy_auth REQUIRED
http_access allow authenticated
http_access deny all
",
        passwords = passwords.display(),
    )
}

/// `password` as a line of an htpasswd file reads it: SHA-512 crypt, by perl.
fn sha512_crypt(password: &str) -> String {
    let out = Command::new("perl")
        .args(["-e", "print crypt($ARGV[0], q{$6$runsconformance$})", password])
        .output()
        .expect("perl runs");
    let hash = String::from_utf8(out.stdout).unwrap();
    assert!(
        hash.starts_with("$6$"),
        "this libcrypt has no SHA-512 crypt: {hash:?}"
    );
    hash
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn client<T: FromConfig>(proxy: &str, emulator: &Emulator) -> T {
    ConfigBuilder::<_, _, T>::from_env_vars(|name| match name {
        "RUNS_API_KEY" => Some(KEY.to_owned()),
        "RUNS_BASE_URL" => Some(emulator.base_url().to_owned()),
        _ => None,
    })
    .unwrap()
    .allow_insecure_http(true)
    .proxy(Proxy::Url(proxy.to_owned()))
    // The default retry policy, which sends a POST again after a failure that provably sent
    // nothing: a 407 must still be asked once.
    .retry_policy(RetryPolicy::default())
    .build()
    .unwrap()
}

fn start() -> runs_core::StartRun {
    runs_core::StartRun::builder()
        .agent_id("demo-agent")
        .process_id("hello-world")
        .name("through squid")
        .stage(runs_core::ProcessStage::Published)
        .build()
        .unwrap()
}

/// How a transport starts a run, then gets it, through `proxy`.
type Through = fn(&str, &Emulator) -> Result<(), Error>;

const TRANSPORTS: [(&str, Through); 2] = [
    ("runs-blocking", |proxy, emulator| {
        let client: runs_blocking::Client = client(proxy, emulator);
        let run = client.start_run(&start())?;
        client.get_run(&run.id).map(drop)
    }),
    ("runs-async", |proxy, emulator| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client: runs_async::Client = client(proxy, emulator);
            let run = client.start_run(&start()).await?;
            client.get_run(&run.id).await.map(drop)
        })
    }),
];

/// The error as `Display`, `Debug` and a chain printer show it.
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
fn through_squid_wrong_credentials_are_refused_once_and_the_right_ones_reach_the_api() {
    let squid = Squid::start();
    let emulator = Emulator::builder()
        .api_key(KEY)
        .schedule(Schedule::Instant)
        .start()
        .unwrap();
    let target = format!("CONNECT 127.0.0.1:{} ", emulator.addr().port());
    let refused = |log: &str| {
        log.lines()
            .filter(|l| l.contains("TCP_DENIED/407") && l.contains(&target))
            .count()
    };
    for (round, (transport, through)) in TRANSPORTS.into_iter().enumerate() {
        let error = through(&squid.url_with(USER, WRONG), &emulator).unwrap_err();
        let Error::Transport(e) = &error else {
            panic!("{transport}: {error:?}")
        };
        assert_eq!(
            (e.kind(), e.delivery()),
            (TransportErrorKind::ProxyAuth, Delivery::NotSent),
            "{transport}: {error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "the proxy {} refused the credentials (for POST {}/runs); \
                 check the user name and password in the proxy URL",
                squid.address(),
                emulator.base_url()
            ),
            "{transport}"
        );
        let shown = shown(&error);
        // The password, and the header that carried it (runs:wrong-hunter22 in base64).
        assert!(
            !shown.contains(WRONG) && !shown.contains("cnVuczp3cm9uZy1odW50ZXIyMg"),
            "{transport}: {shown}"
        );
        let log = squid.settled_access_log(&format!("marker-{round}.invalid"));
        assert_eq!(
            refused(&log),
            round + 1,
            "{transport}: one CONNECT, no retry:\n{log}"
        );

        through(&squid.url_with(USER, PASSWORD), &emulator)
            .unwrap_or_else(|e| panic!("{transport}: {e:?}\n{}", squid.access_log()));
        // squid logs a tunnel when it closes: the client, dropped, has closed its connections.
        let user = format!(" {USER} ");
        squid.wait_for_log(|log| {
            log.lines()
                .filter(|l| l.contains("TCP_TUNNEL/200") && l.contains(&target) && l.contains(&user))
                .count()
                > round
        });
    }
    let counters = emulator.counters();
    assert_eq!((counters.start_run, counters.get_run), (2, 2));
}
