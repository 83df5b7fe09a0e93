//! Why an emulator could not start or serve.

use std::fmt;
use std::io;

use runs_core::FieldError;

/// An emulator could not start, or stopped serving, and why.
///
/// Nothing here is worth retrying as it is: each variant names a configuration or an
/// environment problem (a port in use, a bad seeded id) that the caller has to fix.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The listening socket could not be bound (the address is in use, or not local).
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// What the operating system said.
        source: io::Error,
    },
    /// The background runtime or its thread could not be created.
    Runtime(io::Error),
    /// The TLS certificate or configuration could not be made.
    Tls(String),
    /// A seeded agent or process id breaks the id rule.
    InvalidId(FieldError),
    /// An API key is empty; an empty `x-api-key` would match a missing header.
    EmptyApiKey,
    /// Writing the CA certificate or the banner failed (binary and `serve` only).
    Io(io::Error),
}

impl Error {
    /// Whether trying again unchanged could help: never, for these errors.
    pub fn is_retryable(&self) -> bool {
        false
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Bind { addr, .. } => write!(f, "cannot listen on {addr}"),
            Error::Runtime(_) => f.write_str("cannot start the emulator's runtime thread"),
            Error::Tls(why) => write!(f, "cannot set up TLS: {why}"),
            Error::InvalidId(e) => write!(f, "invalid seeded id: {e}"),
            Error::EmptyApiKey => f.write_str("an API key must not be empty"),
            Error::Io(_) => f.write_str("cannot write the emulator's output"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Bind { source, .. } => Some(source),
            Error::Runtime(e) | Error::Io(e) => Some(e),
            Error::InvalidId(e) => Some(e),
            Error::Tls(_) | Error::EmptyApiKey => None,
        }
    }
}
