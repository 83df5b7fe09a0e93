//! `GET /health`: whether the API is up.
//!
//! The API answers `{"status": "OK"}` when it is up. Any other `status`, or a 5xx (with that
//! body or any other), means it is not (spec: decided). A 5xx is therefore an *answer* here,
//! not an error to retry: a health check says at once that the service is down. A 4xx (a bad
//! key, say) is still an error, since it says nothing about the service.
//!
//! ```
//! use std::time::Duration;
//! use runs_core::transport::{drive, Call, GetHealth, Response};
//! use runs_core::{Config, TransportError};
//! let config = Config::builder().api_key("k").base_url("http://127.0.0.1:1/v2").build()?;
//! let mut call = Call::new(&config, GetHealth, 0);
//! let health = drive!(
//!     call,
//!     now = Duration::ZERO,
//!     send(_request, _timeout) => Ok::<_, TransportError>(Response {
//!         status: 503, headers: &[("a", "b")], body: br#"{"status":"Maintenance"}"#,
//!     }),
//!     sleep(_d) => unreachable!("a 503 is an answer, not retried"),
//! )?;
//! assert!(!health.is_up());
//! assert_eq!((health.http_status(), health.status()), (503, Some("Maintenance")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::String;

use serde::Deserialize;

use crate::error::one_line;
use crate::secret::Secrets;

/// `GET /health`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GetHealth;

/// What the health check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    http_status: u16,
    status: Option<String>,
}

#[derive(Deserialize)]
struct Body {
    status: String,
}

impl Health {
    /// The value the API reports when it is up.
    pub const UP: &'static str = "OK";

    /// Reads an answer of `http_status` (2xx or 5xx): the body's `status` when it has one,
    /// scrubbed of `secrets` (a server may echo the key in it) and of control characters.
    pub fn from_answer(http_status: u16, body: &[u8], secrets: &Secrets) -> Self {
        let status = serde_json::from_slice::<Body>(body)
            .ok()
            // Scrubbed whole, before it is cut: a cut key would no longer be recognised.
            .map(|b| one_line(&secrets.scrub(&b.status), 100));
        Self { http_status, status }
    }

    /// Whether the API is up: a 2xx with `status` `OK`.
    pub fn is_up(&self) -> bool {
        (200..300).contains(&self.http_status) && self.status.as_deref() == Some(Self::UP)
    }

    /// The HTTP status of the answer.
    pub fn http_status(&self) -> u16 {
        self.http_status
    }

    /// The `status` the body reported, if it had one (scrubbed of the configured secrets and of
    /// control characters).
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }
}
