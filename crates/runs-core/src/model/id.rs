//! Identifiers and names: newtypes that can only hold valid values.
//!
//! The spec's id rule is 1 to 26 characters, each an ASCII letter, digit, `-` or `_`. The
//! published regex `^[a-zA-Z0-9-_]+$` reads `9-_` as a range to a literal engine; the intent is
//! the four classes, and that is what [`check_id`] enforces. An id is checked before it goes into
//! a URL, so a `RunId` can be pasted into a path without escaping.

use alloc::string::String;
use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::validation::{FieldError, Rule};

/// The most characters an id may have.
pub const ID_MAX_LEN: usize = 26;
/// The most characters (Unicode scalar values) a run name may have.
pub const RUN_NAME_MAX_LEN: usize = 100;

/// Which bytes an id may hold: ASCII letters, digits, `-` and `_`.
static ID_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_';
        b += 1;
    }
    table
};

/// Checks `value` against the id rule, naming `field` in the error.
pub(crate) fn check_id(field: &str, value: &str) -> Result<(), FieldError> {
    if value.is_empty() {
        return Err(FieldError::new(field, Rule::Empty));
    }
    // Bytes first: every id decoded from a response passes through here (three per run), and
    // the common case is valid: one table look-up per byte (callgrind: ~270 instructions per
    // id down to ~130, where four range tests per byte, with or without branches, cost more).
    // Characters are only counted to name the position of a bad one.
    let valid = |b: u8| ID_BYTES[usize::from(b)];
    if let Some(at) = value.bytes().position(|b| !valid(b)) {
        let position = value[..at].chars().count();
        let ch = value[at..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
        return Err(FieldError::new(field, Rule::InvalidChar { ch, position }));
    }
    // Every character is ASCII here, so the byte length is the character count.
    if value.len() > ID_MAX_LEN {
        return Err(FieldError::new(
            field,
            Rule::TooLong {
                max: ID_MAX_LEN,
                actual: value.len(),
            },
        ));
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// The field name used in errors about this id.
            pub const FIELD: &'static str = $field;

            /// Validates `value` as an id: 1 to 26 ASCII letters, digits, `-` or `_`.
            pub fn new(value: impl Into<String>) -> Result<Self, FieldError> {
                let value = value.into();
                check_id($field, &value)?;
                Ok(Self(value))
            }

            /// An id that [`check_id`] accepted for this field already (the JSON reader's,
            /// which checks the three ids of a run in one place rather than once per type).
            pub(crate) fn from_checked(value: String) -> Self {
                Self(value)
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), self.0)
            }
        }

        /// The id as text; a width and alignment are honoured (`{:<12}`), for tables.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = FieldError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = FieldError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = FieldError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(
    /// The id of an agent, the owner of processes (`agent_id`).
    AgentId,
    "agent_id"
);
id_type!(
    /// The id of a process, the thing a run executes (`process_id`).
    ProcessId,
    "process_id"
);
id_type!(
    /// The id of a run (`run_id`). Valid ids are URL-safe as they are.
    RunId,
    "run_id"
);

/// The name given to a run when it starts: 1 to 100 Unicode scalar values (not bytes).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunName(String);

impl RunName {
    /// The field name used in errors about run names.
    pub const FIELD: &'static str = "name";

    /// A name as a server gave it, not checked: never sent.
    pub(crate) fn unchecked(name: String) -> Self {
        Self(name)
    }

    /// Validates `value`: at least 1 and at most 100 characters.
    pub fn new(value: impl Into<String>) -> Result<Self, FieldError> {
        let value = value.into();
        check_name(Self::FIELD, &value)?;
        Ok(Self(value))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks the run-name rule (1 to 100 Unicode scalar values).
pub(crate) fn check_name(field: &str, value: &str) -> Result<(), FieldError> {
    let count = value.chars().count();
    if count == 0 {
        return Err(FieldError::new(field, Rule::Empty));
    }
    if count > RUN_NAME_MAX_LEN {
        return Err(FieldError::new(
            field,
            Rule::TooLong {
                max: RUN_NAME_MAX_LEN,
                actual: count,
            },
        ));
    }
    Ok(())
}

impl fmt::Debug for RunName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RunName({:?})", self.0)
    }
}

/// The name as text; a width and alignment are honoured (`{:<30}`).
impl fmt::Display for RunName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl AsRef<str> for RunName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for RunName {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<&str> for RunName {
    type Error = FieldError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl TryFrom<String> for RunName {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl Serialize for RunName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RunName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule_allows(s: &str) -> bool {
        (1..=26).contains(&s.chars().count())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }

    proptest! {
        #[test]
        fn id_validation_agrees_with_the_rule(s in "\\PC{0,30}|[A-Za-z0-9_:;<=>?@^-]{0,30}") {
            prop_assert_eq!(RunId::new(s.as_str()).is_ok(), rule_allows(&s));
        }

        #[test]
        fn name_validation_counts_characters_not_bytes(s in "\\PC{0,120}") {
            let n = s.chars().count();
            prop_assert_eq!(RunName::new(s.as_str()).is_ok(), (1..=100).contains(&n));
        }
    }

    #[test]
    fn punctuation_inside_the_literal_regex_range_is_rejected() {
        for bad in [":", ";", "<", "=", ">", "?", "@", "[", "\\", "]", "^"] {
            let err = AgentId::new(format!("a{bad}b")).unwrap_err();
            assert_eq!(err.field(), "agent_id");
            assert!(matches!(err.rule(), Rule::InvalidChar { position: 1, .. }));
        }
    }

    #[test]
    fn ids_and_names_fill_the_width_they_are_given() {
        let run = RunId::new("r-1").unwrap();
        assert_eq!(alloc::format!("[{run:<6}|{run:>6}]"), "[r-1   |   r-1]");
        let agent = AgentId::new("a").unwrap();
        let process = ProcessId::new("p").unwrap();
        assert_eq!(alloc::format!("[{agent:^3}|{process:-<3}]"), "[ a |p--]");
        let name = RunName::new("é").unwrap();
        assert_eq!(alloc::format!("[{name:<3}]"), "[é  ]", "width counts characters");
        let file = crate::FileId::new("s3://b/k").unwrap();
        assert_eq!(alloc::format!("[{file:>10}]"), "[  s3://b/k]");
    }

    #[test]
    fn hundred_multibyte_characters_make_a_valid_name() {
        assert!(RunName::new("é".repeat(100)).is_ok());
        assert!(RunName::new("é".repeat(101)).is_err());
    }
}
