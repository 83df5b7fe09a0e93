//! The one error type of the SDK, shared by every transport.
//!
//! Each variant answers three questions: what failed, with which input, and whether trying
//! again could help ([`Error::is_retryable`]). No variant ever holds the API key: requests are
//! only ever described by method and URL, and the key travels in a header.

use alloc::boxed::Box;
use alloc::string::String;
use core::fmt::{self, Write as _};
use core::time::Duration;

use crate::api_error::ApiError;
use crate::id::RunId;
use crate::status::RunStatus;
use crate::storage_error::StorageError;
use crate::validation::ValidationError;

/// A boxed error from below the SDK (an I/O or TLS error), kept as the `source`.
pub type BoxError = Box<dyn core::error::Error + Send + Sync + 'static>;

/// Anything that can go wrong calling the Runs API.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Input was rejected before any request was sent.
    Invalid(ValidationError),
    /// A run's output is missing or not of the type asked for ([`Run::output_as`]).
    ///
    /// [`Run::output_as`]: crate::Run::output_as
    Output(crate::output::OutputError),
    /// The client's configuration is unusable (a bad base URL, plain HTTP to a remote host).
    Config(ConfigError),
    /// The API answered with an error status (after any retries).
    Api(ApiError),
    /// A success status came with a body that is not what the API documents.
    Decode(DecodeError),
    /// The object storage an upload went to refused it (an expired target, a denied policy).
    Storage(StorageError),
    /// The connection failed, timed out or broke before a whole answer arrived.
    Transport(TransportError),
    /// A local file (or reader) to upload could not be opened or read.
    LocalFile(crate::local_file::LocalFileError),
    /// The operation's overall deadline passed before it could finish.
    DeadlineExceeded {
        /// The deadline that passed.
        deadline: Duration,
        /// How many requests were sent.
        attempts: u32,
        /// What went wrong with the last attempt, if one failed.
        last: Option<Box<Error>>,
    },
    /// The server sent back a continuation token it had already given for this listing, which
    /// would page forever.
    RepeatedToken {
        /// The token seen twice.
        token: String,
    },
    /// The server sent [`MAX_EMPTY_PAGES`](crate::paginate::MAX_EMPTY_PAGES) empty pages in a
    /// row, each with a new continuation token: a listing that would page forever.
    EmptyPages {
        /// How many empty pages came in a row.
        pages: u32,
    },
    /// A run did not reach a terminal status before the wait's deadline.
    WaitTimedOut {
        /// The run waited for.
        run_id: RunId,
        /// Its status at the last successful poll, if any.
        last_status: Option<RunStatus>,
        /// How long the wait lasted.
        waited: Duration,
        /// How many polls in a row failed at the end of the wait (0 when the last one
        /// succeeded).
        failed_polls: u32,
        /// The last poll's error, when the polls were failing as the wait ran out; also the
        /// [`source`](core::error::Error::source).
        last_error: Option<Box<Error>>,
    },
    /// A wait stopped before its timeout because
    /// [`WaitPolicy::max_failed_polls`](crate::WaitPolicy::max_failed_polls) polls in a row
    /// failed (each after its own retries): the run could not be seen, so whether it finished
    /// is not known. Waiting again later may succeed.
    WaitPollsFailed {
        /// The run waited for.
        run_id: RunId,
        /// Its status at the last successful poll, if any.
        last_status: Option<RunStatus>,
        /// How long the wait lasted.
        waited: Duration,
        /// How many polls in a row failed.
        failed_polls: u32,
        /// The last poll's error; also the [`source`](core::error::Error::source).
        last_error: Box<Error>,
    },
}

impl Error {
    /// Whether the same call might succeed if tried again later: rate limits, server-side
    /// failures, broken connections and timeouts. Invalid input and decoding errors are not.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.is_retryable(),
            Error::Storage(e) => e.is_retryable(),
            Error::Transport(e) => !e.kind.repeats(),
            Error::DeadlineExceeded { .. } | Error::WaitTimedOut { .. } | Error::WaitPollsFailed { .. } => {
                true
            }
            _ => false,
        }
    }

    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status()),
            Error::Storage(e) => Some(e.status()),
            Error::DeadlineExceeded { last: Some(last), .. } => last.status(),
            Error::WaitPollsFailed { last_error, .. } => last_error.status(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(e) => fmt::Display::fmt(e, f),
            Error::Output(e) => fmt::Display::fmt(e, f),
            Error::Config(e) => fmt::Display::fmt(e, f),
            Error::Api(e) => fmt::Display::fmt(e, f),
            Error::Decode(e) => fmt::Display::fmt(e, f),
            Error::Storage(e) => fmt::Display::fmt(e, f),
            Error::Transport(e) => fmt::Display::fmt(e, f),
            Error::LocalFile(e) => fmt::Display::fmt(e, f),
            // The last error is the source, not part of this text: a chain printer shows it.
            Error::DeadlineExceeded {
                deadline,
                attempts,
                last,
            } => {
                write!(f, "gave up after {}", Seconds(*deadline))?;
                // An API error retried says its count itself.
                let counted_below = matches!(last.as_deref(), Some(Error::Api(e)) if e.attempts() == *attempts && *attempts > 1);
                if !counted_below {
                    write!(
                        f,
                        " ({attempts} attempt{})",
                        if *attempts == 1 { "" } else { "s" }
                    )?;
                }
                f.write_str(": the deadline passed")
            }
            Error::RepeatedToken { token } => write!(
                f,
                "the server repeated continuation token {}; stopped the listing rather than loop forever",
                Quoted(&one_line(token, 60))
            ),
            Error::EmptyPages { pages } => write!(
                f,
                "the server sent {pages} empty pages in a row, each with a new continuation token; \
                 stopped the listing rather than page forever"
            ),
            // The last poll's error is the source: this text ends with the fact it explains.
            Error::WaitTimedOut {
                run_id,
                last_status,
                waited,
                failed_polls,
                last_error,
            } => {
                write!(f, "run {run_id} did not finish within {}", Seconds(*waited))?;
                if let Some(s) = last_status {
                    write!(f, " (last status {s})")?;
                }
                f.write_str("; wait longer or check the run later")?;
                match (last_error, failed_polls) {
                    (None, _) => Ok(()),
                    (Some(_), 0 | 1) => f.write_str("; the last poll failed"),
                    (Some(_), n) => write!(f, "; the last {n} polls failed"),
                }
            }
            Error::WaitPollsFailed {
                run_id,
                last_status,
                waited,
                failed_polls,
                ..
            } => {
                write!(f, "stopped waiting for run {run_id} after {}", Seconds(*waited))?;
                if let Some(s) = last_status {
                    write!(f, " (last status {s})")?;
                }
                write!(
                    f,
                    "; it may still finish, so check it later; {failed_polls} poll{} in a row failed",
                    if *failed_polls == 1 { "" } else { "s" }
                )
            }
        }
    }
}

// The variants that wrap another error are transparent: they display as the error they hold,
// so they return *its* source, not the error itself, and a chain printer (anyhow's `{:#}`)
// says each thing once. `DeadlineExceeded` and the two wait errors say their own thing and
// give the last error as their source.
impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Invalid(e) => core::error::Error::source(e),
            Error::Output(e) => core::error::Error::source(e),
            Error::Config(e) => core::error::Error::source(e),
            Error::Api(e) => core::error::Error::source(e),
            Error::Decode(e) => core::error::Error::source(e),
            Error::Storage(e) => core::error::Error::source(e),
            Error::Transport(e) => core::error::Error::source(e),
            Error::LocalFile(e) => core::error::Error::source(e),
            Error::DeadlineExceeded { last: Some(e), .. }
            | Error::WaitTimedOut {
                last_error: Some(e), ..
            }
            | Error::WaitPollsFailed { last_error: e, .. } => Some(&**e),
            _ => None,
        }
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Error::Invalid(e)
    }
}

impl From<crate::validation::FieldError> for Error {
    fn from(e: crate::validation::FieldError) -> Self {
        Error::Invalid(e.into())
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(e)
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Error::Transport(e)
    }
}

impl From<crate::output::OutputError> for Error {
    fn from(e: crate::output::OutputError) -> Self {
        Error::Output(e)
    }
}

impl From<crate::storage_error::StorageError> for Error {
    fn from(e: crate::storage_error::StorageError) -> Self {
        Error::Storage(e)
    }
}

impl From<crate::local_file::LocalFileError> for Error {
    fn from(e: crate::local_file::LocalFileError) -> Self {
        Error::LocalFile(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

/// Server-sent text made fit for a one-line error: at most `max_chars` characters (then `…`),
/// control characters turned into spaces, so whatever the server sent cannot break the line or
/// forge terminal output.
pub(crate) fn one_line(s: &str, max_chars: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max_chars)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}

/// Text quoted in an error message (`"eu-west"`), escaped as `{:?}` escapes what error texts
/// meet: the quote, a backslash, control characters, and the invisible characters that can
/// disguise text (bidirectional overrides, zero-width spaces). Not `{:?}` itself, whose tables
/// of printable and combining characters would cost a firmware image 3 KiB for text that is
/// mostly ASCII (docs/performance.md, "Firmware").
pub(crate) struct Quoted<'a>(pub(crate) &'a str);

/// A character quoted as `{:?}` quotes one (`'x'`), escaped as [`Quoted`] escapes text.
pub(crate) struct QuotedChar(pub(crate) char);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        self.0.chars().try_for_each(|c| escaped(f, c, '"'))?;
        f.write_char('"')
    }
}

impl fmt::Display for QuotedChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('\'')?;
        escaped(f, self.0, '\'')?;
        f.write_char('\'')
    }
}

fn escaped(f: &mut fmt::Formatter<'_>, c: char, quote: char) -> fmt::Result {
    match c {
        '\\' => f.write_str("\\\\"),
        '\n' => f.write_str("\\n"),
        '\r' => f.write_str("\\r"),
        '\t' => f.write_str("\\t"),
        '\0' => f.write_str("\\0"),
        c if c == quote => write!(f, "\\{c}"),
        '\u{ad}'
        | '\u{61c}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}' => write!(f, "\\u{{{:x}}}", u32::from(c)),
        c if c.is_control() => write!(f, "\\u{{{:x}}}", u32::from(c)),
        c => f.write_char(c),
    }
}

/// Prints a duration as seconds (`1.5s`), the way users give them on the command line.
pub(crate) struct Seconds(pub(crate) Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Seconds and milliseconds apart: `as_millis()` is a u128, whose formatting would
        // cost a firmware image 1.2 KiB for nothing a u64 cannot show.
        let (secs, ms) = (self.0.as_secs(), self.0.subsec_millis());
        if ms == 0 {
            write!(f, "{secs}s")
        } else {
            write!(f, "{secs}.{ms:03}s")
        }
    }
}

/// The configuration cannot work; the text says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    setting: &'static str,
    reason: String,
}

impl ConfigError {
    /// A problem with `setting` (`base_url`, `api_key`, an environment variable name...).
    pub fn new(setting: &'static str, reason: impl Into<String>) -> Self {
        Self {
            setting,
            reason: reason.into(),
        }
    }

    /// The setting at fault.
    pub fn setting(&self) -> &str {
        self.setting
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.setting, self.reason)
    }
}

impl core::error::Error for ConfigError {}

/// A success status came with a body that does not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    what: &'static str,
    /// `None` when the answer was decoded but what it holds cannot be used (an upload target).
    status: Option<u16>,
    detail: String,
    truncated: bool,
}

impl DecodeError {
    /// The error of decoding `what`, `secrets` scrubbed from the reader's text (which may
    /// quote the body) before it is cut to one line, so a cut cannot leave half a secret.
    pub(crate) fn scrubbed(
        what: &'static str,
        status: u16,
        error: &dyn fmt::Display,
        truncated: bool,
        secrets: &crate::secret::Secrets,
    ) -> Self {
        Self {
            what,
            status: Some(status),
            detail: one_line(&secrets.scrub(&alloc::format!("{error}")), 300),
            truncated,
        }
    }

    /// An upload target the API gave that the SDK cannot use: `problem` names its field. The
    /// server's mistake, found after `POST /files` was sent, so not the caller's input.
    pub(crate) fn unusable_target(problem: &crate::validation::FieldError) -> Self {
        Self {
            what: "upload target",
            status: None,
            detail: one_line(&alloc::format!("{problem}"), 300),
            truncated: false,
        }
    }

    /// What was being decoded (`run`, `run page`).
    pub fn what(&self) -> &str {
        self.what
    }

    /// Whether the body ended early, as a cut connection or a proxy limit would leave it.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = if self.truncated { "truncated" } else { "malformed" };
        match self.status {
            Some(status) => write!(
                f,
                "the API answered {status} with a {how} {}: {}",
                self.what, self.detail
            ),
            None => write!(
                f,
                "the API gave an {} the SDK cannot use: {}",
                self.what, self.detail
            ),
        }
    }
}

impl core::error::Error for DecodeError {}

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The host name did not resolve.
    Dns,
    /// No connection could be made (refused, unreachable, connect timeout).
    Connect,
    /// The TLS handshake failed (untrusted certificate, wrong name).
    Tls,
    /// No whole answer arrived within the request timeout.
    Timeout,
    /// The connection broke or the peer spoke broken HTTP.
    Io,
    /// The body was larger than the configured cap.
    BodyTooLarge,
    /// The proxy could not be reached, or did not open the tunnel (it answered the `CONNECT`
    /// with an error, or not at all). The error names the proxy when the connection plan
    /// sent the request through one.
    Proxy,
    /// The proxy refused the credentials in its URL, or asked for some and there were none: it
    /// answered the `CONNECT` with `407 Proxy Authentication Required`. Not retried, since the
    /// same credentials would be refused again; the error never shows them.
    ProxyAuth,
    /// The server redirected somewhere the SDK will not send the key.
    Redirect,
    /// A user's middleware around the transport's exchange failed.
    Middleware,
}

impl TransportErrorKind {
    /// Whether the same request would fail the same way again, so that retrying is no use: a
    /// body over the cap, a redirect refused, credentials the proxy refused.
    pub(crate) fn repeats(self) -> bool {
        matches!(
            self,
            TransportErrorKind::BodyTooLarge | TransportErrorKind::Redirect | TransportErrorKind::ProxyAuth
        )
    }

    fn describe(self) -> &'static str {
        match self {
            TransportErrorKind::Dns => "the host name did not resolve",
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Tls => "the TLS handshake failed",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Io => "the connection failed",
            TransportErrorKind::BodyTooLarge => "the response body is too large",
            TransportErrorKind::Proxy => "the proxy failed",
            TransportErrorKind::ProxyAuth => "the proxy refused the credentials",
            TransportErrorKind::Redirect => "refused a redirect",
            TransportErrorKind::Middleware => "the client's middleware failed",
        }
    }
}

/// Whether a failed request could have reached the server, which decides if a POST may be
/// sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Provably not: it failed before any byte of the request was written (DNS, connect, TLS).
    NotSent,
    /// Possibly: some or all of it was written before the failure.
    MaybeSent,
}

/// A failure below HTTP: DNS, connect, TLS, timeout, a broken connection, a body over the cap.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    delivery: Delivery,
    context: String,
    source: Option<BoxError>,
    /// The proxy the failure is the fault of, once the machine that sent the request has
    /// said which proxy its connection plan chose ([`TransportError::at_proxy`]). Boxed: most
    /// errors have none, and this error travels inside every `Result` of the SDK.
    proxy: Option<Box<AtProxy>>,
}

/// A proxy as an error names it: where it is and whether it was given credentials, never
/// what they are.
#[derive(Debug)]
struct AtProxy {
    /// `host:port` (an IPv6 host in brackets).
    address: String,
    credentials: bool,
    /// Whether the proxy answered (a `CONNECT` refused) rather than could not be reached.
    answered: bool,
}

impl TransportError {
    /// A failure of `kind`. `context` says where (`GET http://127.0.0.1:4000/v2/runs/abc`);
    /// it must not hold secrets, and transports only ever put the method and URL there.
    pub fn new(kind: TransportErrorKind, delivery: Delivery, context: impl Into<String>) -> Self {
        Self {
            kind,
            delivery,
            context: context.into(),
            source: None,
            proxy: None,
        }
    }

    /// This failure, on a connection the connection plan sent through `proxy`, as the proxy's
    /// when it is: a name that did not resolve or a connection that could not be made was the
    /// proxy's (the client resolves and connects to nothing else), so it becomes a
    /// [`TransportErrorKind::Proxy`] naming the proxy, and a tunnel the proxy refused names
    /// it too. Any other failure (TLS, a timeout, a broken connection) is the target's or the
    /// exchange's, and is left as it is.
    pub(crate) fn at_proxy(mut self, proxy: &crate::proxy::ProxyEndpoint) -> Self {
        let answered = match self.kind {
            TransportErrorKind::Dns | TransportErrorKind::Connect => false,
            TransportErrorKind::Proxy | TransportErrorKind::ProxyAuth => true,
            _ => return self,
        };
        if self.kind != TransportErrorKind::ProxyAuth {
            self.kind = TransportErrorKind::Proxy;
        }
        let host = proxy.host();
        let address = if host.contains(':') {
            alloc::format!("[{host}]:{}", proxy.port())
        } else {
            alloc::format!("{host}:{}", proxy.port())
        };
        self.proxy = Some(Box::new(AtProxy {
            address,
            credentials: proxy.authorization().is_some(),
            answered,
        }));
        self
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// What kind of failure it was.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether the request could have reached the server.
    pub fn delivery(&self) -> Delivery {
        self.delivery
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.proxy.as_deref() {
            None => write!(f, "{}", self.kind.describe())?,
            Some(proxy) => {
                let address = &proxy.address;
                match (self.kind, proxy.answered, proxy.credentials) {
                    (TransportErrorKind::ProxyAuth, _, true) => {
                        write!(f, "the proxy {address} refused the credentials")?
                    }
                    (TransportErrorKind::ProxyAuth, _, false) => {
                        write!(f, "the proxy {address} requires credentials")?
                    }
                    (_, false, _) => write!(f, "could not connect to the proxy {address}")?,
                    (_, true, _) => write!(f, "the proxy {address} did not open a tunnel")?,
                }
            }
        }
        if !self.context.is_empty() {
            let for_ = if self.proxy.is_some() { "for " } else { "" };
            write!(f, " ({for_}{})", self.context)?;
        }
        if self.kind == TransportErrorKind::ProxyAuth {
            match self.proxy.as_deref() {
                Some(AtProxy {
                    credentials: false, ..
                }) => f.write_str("; give them in the proxy URL (http://user:password@host:port)")?,
                _ => f.write_str("; check the user name and password in the proxy URL")?,
            }
        }
        // The cause is the source, for a chain printer to show once.
        Ok(())
    }
}

impl core::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn core::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_show_whole_seconds_bare_and_milliseconds_when_there_are_any() {
        let shown = |d: Duration| alloc::format!("{}", Seconds(d));
        assert_eq!(shown(Duration::from_secs(120)), "120s");
        assert_eq!(shown(Duration::ZERO), "0s");
        assert_eq!(shown(Duration::from_millis(1500)), "1.500s");
        assert_eq!(shown(Duration::from_millis(7)), "0.007s");
        // Below a millisecond counts as none, as it did when formatted from `as_millis()`.
        assert_eq!(shown(Duration::from_micros(2_000_999)), "2s");
        assert_eq!(
            shown(Duration::new(u64::MAX, 999_999_999)),
            alloc::format!("{}.999s", u64::MAX)
        );
    }

    #[test]
    fn only_failures_that_may_pass_later_are_retryable() {
        let t = |kind| Error::Transport(TransportError::new(kind, Delivery::MaybeSent, "GET x"));
        assert!(t(TransportErrorKind::Io).is_retryable());
        assert!(t(TransportErrorKind::Timeout).is_retryable());
        assert!(!t(TransportErrorKind::BodyTooLarge).is_retryable());
        assert!(!t(TransportErrorKind::Redirect).is_retryable());
        assert!(!t(TransportErrorKind::ProxyAuth).is_retryable());
        assert!(t(TransportErrorKind::Proxy).is_retryable());
        assert!(!Error::RepeatedToken { token: "t".into() }.is_retryable());
    }

    fn proxy(url: &str) -> crate::proxy::ProxyEndpoint {
        let rules = crate::proxy::ProxyRules::resolve(&crate::Proxy::Url(url.into()), |_| None).unwrap();
        rules.proxy_for(true, "api.example", 443).unwrap().clone()
    }

    fn failed(kind: TransportErrorKind) -> TransportError {
        TransportError::new(kind, Delivery::NotSent, "GET https://api.example/v2/runs").with_source(
            TransportError::new(TransportErrorKind::Io, Delivery::NotSent, "cause"),
        )
    }

    #[test]
    fn a_failure_to_reach_the_proxy_names_the_proxy_and_never_its_credentials() {
        let with = proxy("http://user:hunter22@127.0.0.1:3128");
        for kind in [TransportErrorKind::Connect, TransportErrorKind::Dns] {
            let e = failed(kind).at_proxy(&with);
            assert_eq!(
                (e.kind(), e.delivery()),
                (TransportErrorKind::Proxy, Delivery::NotSent)
            );
            assert_eq!(
                e.to_string(),
                "could not connect to the proxy 127.0.0.1:3128 (for GET https://api.example/v2/runs)"
            );
            assert!(core::error::Error::source(&e).is_some());
            let shown = alloc::format!("{e} {e:?}");
            assert!(!shown.contains("hunter22") && !shown.contains("user:"), "{shown}");
        }
        let e = failed(TransportErrorKind::Proxy).at_proxy(&proxy("http://[::1]:8080"));
        assert_eq!(
            e.to_string(),
            "the proxy [::1]:8080 did not open a tunnel (for GET https://api.example/v2/runs)"
        );
    }

    #[test]
    fn a_407_says_the_proxy_refused_the_credentials_and_what_to_do() {
        let e = failed(TransportErrorKind::ProxyAuth).at_proxy(&proxy("http://u:hunter22@proxy.corp:3128"));
        assert_eq!(e.kind(), TransportErrorKind::ProxyAuth);
        assert_eq!(
            e.to_string(),
            "the proxy proxy.corp:3128 refused the credentials (for GET https://api.example/v2/runs); \
             check the user name and password in the proxy URL"
        );
        assert!(!alloc::format!("{e:?}").contains("hunter22"));
        let e = failed(TransportErrorKind::ProxyAuth).at_proxy(&proxy("http://proxy.corp:3128"));
        assert_eq!(
            e.to_string(),
            "the proxy proxy.corp:3128 requires credentials (for GET https://api.example/v2/runs); \
             give them in the proxy URL (http://user:password@host:port)"
        );
        // Without the plan's word, the transport's own classification still says it.
        assert_eq!(
            failed(TransportErrorKind::ProxyAuth).to_string(),
            "the proxy refused the credentials (GET https://api.example/v2/runs); \
             check the user name and password in the proxy URL"
        );
    }

    #[test]
    fn failures_that_are_not_the_proxys_are_left_alone() {
        let with = proxy("http://127.0.0.1:3128");
        for kind in [
            TransportErrorKind::Tls,
            TransportErrorKind::Timeout,
            TransportErrorKind::Io,
            TransportErrorKind::BodyTooLarge,
        ] {
            let e = failed(kind).at_proxy(&with);
            assert_eq!(e.kind(), kind);
            assert!(!e.to_string().contains("127.0.0.1:3128"), "{e}");
        }
    }
}
