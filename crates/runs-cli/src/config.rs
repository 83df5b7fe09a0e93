//! From the global options to a blocking client, through runs-core's `ConfigBuilder`.

use runs_blocking::{Client, RetryPolicy};

use crate::cli::Global;
use crate::exit::Failure;

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
    let key = global
        .api_key
        .as_deref()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| Failure::usage("no API key: pass --api-key KEY or set RUNS_API_KEY"))?;
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
