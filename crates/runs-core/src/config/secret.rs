//! The API key, kept out of every log line, and the secrets scrubbed from server text.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use crate::validation::{FieldError, Rule};

/// An API key. `Debug` and `Display` print `ApiKey(<redacted>)`, so a key inside a config, a
/// request or an error never reaches a log by accident.
///
/// ```
/// # use runs_core::ApiKey;
/// let key = ApiKey::new("sk-live-1234")?;
/// assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
/// assert_eq!(key.expose(), "sk-live-1234");
/// # Ok::<(), runs_core::FieldError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Checks that `key` can travel in a header: non-empty visible ASCII, no spaces.
    pub fn new(key: impl Into<String>) -> Result<Self, FieldError> {
        let key = key.into();
        if key.is_empty() {
            return Err(FieldError::new("api_key", Rule::Empty));
        }
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            // The character is not named: it is part of the secret.
            return Err(FieldError::new(
                "api_key",
                Rule::Malformed("visible ASCII characters with no spaces"),
            ));
        }
        Ok(Self(key))
    }

    /// The key itself, for the one place that needs it: the `x-api-key` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl core::str::FromStr for ApiKey {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

/// The secrets a configuration holds (the API key; later, proxy credentials), to scrub from
/// any text a server sends before it reaches an error: a server or proxy that echoes the key
/// in a 401's message or HTML page must not put it on a terminal or in a log.
///
/// Cheap to clone (shared). `Debug` shows only how many secrets it holds.
///
/// ```
/// use runs_core::transport::Secrets;
/// let secrets = Secrets::default().with("sk-live-1234");
/// assert_eq!(secrets.scrub("bad key sk-live-1234!"), "bad key <redacted>!");
/// assert_eq!(secrets.scrub("nothing here"), "nothing here");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets(Arc<[String]>);

impl Secrets {
    /// Secrets shorter than this are not scrubbed: replacing every occurrence of a two-letter
    /// "key" would mangle every message, and a key that short protects nothing anyway.
    pub const MIN_LEN: usize = 6;

    /// The secrets of `config`: its API key and any proxy password, to scrub from server
    /// text before it reaches an error.
    pub fn of(config: &crate::Config) -> &Secrets {
        &config.secrets
    }

    /// These secrets and `secret` (ignored when shorter than [`Secrets::MIN_LEN`] characters).
    pub fn with(self, secret: impl Into<String>) -> Self {
        let secret = secret.into();
        if secret.chars().count() < Self::MIN_LEN || self.0.contains(&secret) {
            return self;
        }
        let mut all: Vec<String> = self.0.to_vec();
        // Longest first, so a secret that contains another is replaced whole. Inserted in
        // place rather than sorted: a handful of secrets, and no sort linked into firmware.
        let at = all
            .iter()
            .position(|s| s.len() < secret.len())
            .unwrap_or(all.len());
        all.insert(at, secret);
        Self(all.into())
    }

    /// How many secrets are scrubbed.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is nothing to scrub.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `text` with every occurrence of every secret replaced by `<redacted>`; borrowed when
    /// there was none.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for secret in self.0.iter() {
            if out.contains(secret.as_str()) {
                out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
            }
        }
        out
    }

    /// Scrubs every string in a JSON value (object keys included), in place.
    pub(crate) fn scrub_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        if self.is_empty() {
            return;
        }
        match value {
            Value::String(s) => {
                if let Cow::Owned(clean) = self.scrub(s) {
                    *s = clean;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            Value::Object(map) => {
                let taken = core::mem::take(map);
                for (k, mut v) in taken {
                    self.scrub_json(&mut v);
                    map.insert(self.scrub(&k).into_owned(), v);
                }
            }
            _ => {}
        }
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} redacted)", self.0.len())
    }
}

/// What a scrubbed secret reads as.
const REDACTED: &str = "<redacted>";
