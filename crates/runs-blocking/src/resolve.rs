//! Name resolution that does not cost a thread per request, and forgets a host that fails.
//!
//! ureq resolves the host before every request, even one that goes out on a pooled
//! connection, and when a timeout applies its default resolver runs the lookup on a new thread
//! so that it can give up on time. This client always sets a timeout, so that was one thread
//! spawned per request: measured at 0.8 of raw ureq's throughput (docs/performance.md). This
//! resolver remembers a host's addresses for a short while and asks the default resolver, with
//! its timeout, only when it has no fresh answer.
//!
//! A remembered answer must not outlive an address that fails: the connector is wrapped
//! ([`ForgetOnFailure`]) so that any failure to open a connection to a host (TCP, the proxy's
//! `CONNECT`, the TLS handshake) drops that host's entry, and the retry that follows looks the
//! host up again. A lookup after a failure costs little; an address kept after its host moved
//! would cost every request until the entry expired.
//!
//! What ureq (3.5) does with the addresses it is given: it tries them one after another, in the
//! resolver's order, giving each a share of the connect timeout that halves from one address to
//! the next (a geometric series summing to the whole timeout, at least 10 ms each: with two
//! addresses, 2/3 and 1/3). An address that refuses or is unreachable moves on at once; one
//! that black-holes costs its share, and the next address is still tried. So a dual-stack host
//! whose first address black-holes connects on this transport too, later by that share; it is
//! not Happy Eyeballs (no attempts run side by side, families are not interleaved), which would
//! take threads here.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use runs_core::transport::Origin;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{ConnectionDetails, Connector, NextTimeout};

/// How long an answer is reused. Short, so a service moving to new addresses is followed
/// within seconds, as a DNS TTL of this order would.
const TTL: Duration = Duration::from_secs(30);

/// Hosts remembered at most; a client talks to one, a proxy makes two.
const MAX_HOSTS: usize = 16;

/// A remembered answer for one host and port.
#[derive(Debug)]
struct Answer {
    host: String,
    port: u16,
    at: Instant,
    addrs: ResolvedSocketAddrs,
}

/// The answers remembered; shared by the resolver that fills it and the connector that empties
/// it. A list, not a map: it holds one or two hosts, and finding one compares a string where
/// a map's key (`host:port`, as ureq names it) was formatted and hashed on every request
/// (~1,600 instructions of ~60,000).
#[derive(Debug, Default)]
struct Answers(Mutex<Vec<Answer>>);

impl Answers {
    fn fresh(&self, (host, port): (&str, u16)) -> Option<ResolvedSocketAddrs> {
        let answers = self.0.lock().ok()?;
        let answer = answers.iter().find(|a| a.port == port && a.host == host)?;
        (answer.at.elapsed() < TTL).then(|| answer.addrs.clone())
    }

    fn remember(&self, (host, port): (&str, u16), addrs: &ResolvedSocketAddrs) {
        if let Ok(mut answers) = self.0.lock() {
            answers.retain(|a| !(a.port == port && a.host == host));
            if answers.len() >= MAX_HOSTS {
                answers.clear();
            }
            answers.push(Answer {
                host: host.to_owned(),
                port,
                at: Instant::now(),
                addrs: addrs.clone(),
            });
        }
    }

    fn forget(&self, uri: &Uri) {
        if let (Some((host, port)), Ok(mut answers)) = (key(uri), self.0.lock()) {
            answers.retain(|a| !(a.port == port && a.host == host));
        }
    }
}

/// The host and port a lookup of `uri` is for (runs-core's [`Origin`]); `None` for a scheme
/// other than http(s) (left to the lookup, uncached).
fn key(uri: &Uri) -> Option<(&str, u16)> {
    Origin::of(uri).map(|o| (o.host(), o.port()))
}

/// A lookup (the default resolver, in use) behind a small cache keyed by host and port.
#[derive(Debug)]
pub(crate) struct CachingResolver<L = DefaultResolver> {
    lookup: L,
    answers: Arc<Answers>,
}

/// The connector `inner`, forgetting a host's remembered addresses when a connection to it
/// fails, and reporting any timeout while connecting as the connect's own.
#[derive(Debug)]
pub(crate) struct ForgetOnFailure<C> {
    inner: C,
    answers: Arc<Answers>,
}

/// A resolver that remembers what `lookup` answers, and `connector` wrapped so that it makes
/// the resolver forget a host it failed to connect to. Give both to the same agent.
pub(crate) fn cached<L: Resolver, C: Connector>(
    lookup: L,
    connector: C,
) -> (CachingResolver<L>, ForgetOnFailure<C>) {
    let answers = Arc::new(Answers::default());
    (
        CachingResolver {
            lookup,
            answers: answers.clone(),
        },
        ForgetOnFailure {
            inner: connector,
            answers,
        },
    )
}

impl<L: Resolver> Resolver for CachingResolver<L> {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(key) = key(uri) else {
            return self.lookup.resolve(uri, config, timeout);
        };
        if let Some(ips) = runs_core::transport::ConnectionPlan::loopback_addresses(key.0) {
            // A `localhost` name is this machine whatever DNS would say (RFC 6761).
            let mut addrs = ResolvedSocketAddrs::from_fn(|_| SocketAddr::from((ips[0], key.1)));
            addrs.truncate(0);
            for ip in ips {
                addrs.push(SocketAddr::from((ip, key.1)));
            }
            return Ok(addrs);
        }
        if let Some(addrs) = self.answers.fresh(key) {
            return Ok(addrs);
        }
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        self.answers.remember(key, &addrs);
        Ok(addrs)
    }
}

impl<C: Connector> Connector for ForgetOnFailure<C> {
    type Out = C::Out;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        // `details.uri` is the host this connection goes to: the proxy itself on the hop to a
        // proxy (ureq runs the whole chain again for that hop), the API's host otherwise.
        self.inner.connect(details, chained).map_err(|e| {
            self.answers.forget(details.uri);
            // The chain (TCP, a proxy's CONNECT, TLS) runs before any byte of the request is
            // written, so a timeout here, even the attempt's overall one, which ureq names
            // `Global`, provably sent nothing: named as the connect's, it maps to NotSent and
            // a POST may be sent again, as runs-async does for the same stall.
            match e {
                ureq::Error::Timeout(_) => ureq::Error::Timeout(ureq::Timeout::Connect),
                other => other,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::net::{SocketAddr, TcpListener};
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use ureq::unversioned::transport::DefaultConnector;

    /// A lookup that answers every name with its current address, counting the lookups.
    #[derive(Debug, Default, Clone)]
    struct Scripted {
        answer: Arc<Mutex<Option<SocketAddr>>>,
        lookups: Arc<AtomicUsize>,
    }

    impl Scripted {
        fn answer(&self, addr: SocketAddr) {
            *self.answer.lock().unwrap() = Some(addr);
        }

        fn lookups(&self) -> usize {
            self.lookups.load(Ordering::SeqCst)
        }
    }

    impl Resolver for Scripted {
        fn resolve(&self, _: &Uri, _: &Config, _: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            let mut addrs = self.empty();
            addrs.push(self.answer.lock().unwrap().ok_or(ureq::Error::HostNotFound)?);
            Ok(addrs)
        }
    }

    /// A port on loopback that refuses connections.
    fn refusing() -> SocketAddr {
        TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
    }

    /// A server on loopback that answers each connection's first request with a 204.
    fn answering() -> SocketAddr {
        use std::io::{BufRead, BufReader, Write};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let _ = (&stream).write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n");
            }
        });
        addr
    }

    fn agent(lookup: Scripted) -> ureq::Agent {
        let (resolver, connector) = cached(lookup, DefaultConnector::default());
        ureq::Agent::with_parts(Config::default(), connector, resolver)
    }

    #[test]
    fn a_host_is_looked_up_once_and_then_answered_from_the_cache() {
        let lookup = Scripted::default();
        lookup.answer(answering());
        let agent = agent(lookup.clone());
        for _ in 0..3 {
            let response = agent.get("http://runs.test/v2/runs").call().unwrap();
            assert_eq!(response.status(), 204);
        }
        assert_eq!(lookup.lookups(), 1);
    }

    /// The host "moves" from a port that refuses to one that answers: the next request
    /// follows it, where a remembered answer would keep failing until it expired.
    #[test]
    fn a_failed_connect_forgets_the_host_and_the_next_request_looks_it_up_again() {
        let lookup = Scripted::default();
        lookup.answer(refusing());
        let agent = agent(lookup.clone());
        let error = agent.get("http://runs.test/v2/runs").call().unwrap_err();
        assert!(
            matches!(&error, ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused),
            "{error:?}"
        );
        assert_eq!(lookup.lookups(), 1);

        lookup.answer(answering());
        let response = agent.get("http://runs.test/v2/runs").call().unwrap();
        assert_eq!(response.status(), 204);
        assert_eq!(lookup.lookups(), 2);
    }

    /// What issue 14 asked for, through the client: the first attempt finds the host gone
    /// (refused), runs-core retries the POST as not sent, and the retry reaches the host at
    /// its new address. A remembered answer would have failed every retry.
    #[test]
    fn a_retry_after_a_failed_connect_reaches_the_host_where_it_moved() {
        let emulator = runs_emulator::Emulator::builder()
            .api_key("sk-test")
            .schedule(runs_emulator::Schedule::Instant)
            .start()
            .unwrap();
        let config = runs_core::Config::builder()
            .api_key("sk-test")
            .base_url("http://runs.test/v2")
            .allow_insecure_http(true)
            .proxy(runs_core::Proxy::None)
            .retry_policy(
                runs_core::RetryPolicy::default()
                    .with_initial_backoff(Duration::from_millis(1))
                    .with_max_backoff(Duration::from_millis(1)),
            )
            .build()
            .unwrap();
        let lookup = Scripted::default();
        lookup.answer(refusing());
        // The host moves once it has been found gone: the next lookup answers the emulator.
        let moved = MovesAfterFirstLookup {
            lookup: lookup.clone(),
            to: emulator.addr(),
        };
        let client =
            crate::Client::with_own_agent(config.clone(), crate::agent::agent_with(&config, moved).unwrap());
        let start = runs_core::StartRun::builder()
            .agent_id(runs_emulator::DEMO_AGENT)
            .process_id(runs_emulator::HELLO_WORLD)
            .name("moved")
            .stage(runs_core::ProcessStage::Published)
            .build()
            .unwrap();
        let run = client.start_run(&start).unwrap();
        assert!(!run.id.as_str().is_empty());
        assert_eq!(lookup.lookups(), 2);
    }

    #[derive(Debug)]
    struct MovesAfterFirstLookup {
        lookup: Scripted,
        to: SocketAddr,
    }

    impl Resolver for MovesAfterFirstLookup {
        fn resolve(
            &self,
            uri: &Uri,
            config: &Config,
            timeout: NextTimeout,
        ) -> Result<ResolvedSocketAddrs, ureq::Error> {
            let answer = self.lookup.resolve(uri, config, timeout);
            self.lookup.answer(self.to);
            answer
        }
    }

    #[test]
    fn a_full_cache_starts_again_rather_than_growing() {
        let answers = Answers::default();
        let mut addrs = DefaultResolver::default().empty();
        addrs.push(refusing());
        for port in 0..=MAX_HOSTS as u16 {
            answers.remember(("host", port), &addrs);
        }
        assert_eq!(answers.0.lock().unwrap().len(), 1);
        let uri: Uri = format!("http://host:{MAX_HOSTS}/").parse().unwrap();
        assert!(answers.fresh(key(&uri).unwrap()).is_some());
        answers.forget(&uri);
        assert!(answers.0.lock().unwrap().is_empty());
    }

    #[test]
    fn a_host_is_one_entry_whichever_way_its_port_is_written() {
        let answers = Answers::default();
        let mut addrs = DefaultResolver::default().empty();
        addrs.push(refusing());
        let implicit: Uri = "https://api.test/v2".parse().unwrap();
        let explicit: Uri = "https://api.test:443/v2".parse().unwrap();
        answers.remember(key(&implicit).unwrap(), &addrs);
        answers.remember(key(&explicit).unwrap(), &addrs);
        assert_eq!(answers.0.lock().unwrap().len(), 1);
        assert!(
            answers
                .fresh(key(&"http://api.test/".parse().unwrap()).unwrap())
                .is_none()
        );
        answers.forget(&explicit);
        assert!(answers.fresh(key(&implicit).unwrap()).is_none());
    }
}
