//! The API key, kept out of every log line.

use alloc::string::String;
use core::fmt;

use crate::validation::{FieldError, Rule};

/// An API key. `Debug` and `Display` print `ApiKey(<redacted>)`, so a key inside a config, a
/// request or an error never reaches a log by accident.
///
/// ```
/// let key = runs_core::ApiKey::new("sk-live-1234")?;
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
