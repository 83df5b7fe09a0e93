//! Name resolution that does not cost a thread per request.
//!
//! ureq resolves the host before every request, even one that goes out on a pooled
//! connection, and when a timeout applies its default resolver runs the lookup on a new thread
//! so that it can give up on time. This client always sets a timeout, so that was one thread
//! spawned per request: measured at 0.8 of raw ureq's throughput (docs/performance.md). This
//! resolver remembers a host's addresses for a short while and asks the default resolver, with
//! its timeout, only when it has no fresh answer.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long an answer is reused. Short, so a service moving to new addresses is followed
/// within seconds, as a DNS TTL of this order would.
const TTL: Duration = Duration::from_secs(30);

/// Hosts remembered at most; a client talks to one, a proxy makes two.
const MAX_HOSTS: usize = 16;

/// The default resolver behind a small cache keyed by scheme, host and port.
#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    lookup: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = match (uri.scheme(), uri.authority()) {
            (Some(scheme), Some(authority)) => DefaultResolver::host_and_port(scheme, authority),
            _ => None,
        };
        let Some(key) = key else {
            return self.lookup.resolve(uri, config, timeout);
        };
        if let Ok(cache) = self.cache.lock() {
            if let Some((at, addrs)) = cache.get(&key) {
                if at.elapsed() < TTL {
                    return Ok(addrs.clone());
                }
            }
        }
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= MAX_HOSTS {
                cache.clear();
            }
            cache.insert(key, (Instant::now(), addrs.clone()));
        }
        Ok(addrs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ureq::unversioned::transport::time::Duration as UreqDuration;

    #[test]
    fn a_host_is_looked_up_once_and_then_answered_from_the_cache() {
        let resolver = CachingResolver::default();
        let config = Config::default();
        let uri: Uri = "http://127.0.0.1:8080/v2/runs".parse().unwrap();
        let timeout = || NextTimeout {
            after: UreqDuration::from_secs(5),
            reason: ureq::Timeout::Resolve,
            ..Default::default()
        };
        let first = resolver.resolve(&uri, &config, timeout()).unwrap();
        let second = resolver.resolve(&uri, &config, timeout()).unwrap();
        assert_eq!(first.to_vec(), second.to_vec());
        assert_eq!(first[0].to_string(), "127.0.0.1:8080");
        assert_eq!(resolver.cache.lock().unwrap().len(), 1);
    }
}
