//! Client-side validation errors.
//!
//! Every value the SDK sends is checked before any byte leaves the process, so that a typo in an
//! id costs nothing and names the field it was found in. A single [`FieldError`] names one field
//! and the rule it broke; [`ValidationError`] collects all of them, so a user fixes every mistake
//! in one round rather than one per attempt.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// The rule a value broke.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// The value is empty but must have at least one character.
    Empty,
    /// The value has more characters (Unicode scalar values) than allowed.
    TooLong {
        /// The most characters allowed.
        max: usize,
        /// How many it has.
        actual: usize,
    },
    /// An id holds a character other than an ASCII letter, digit, `-` or `_`.
    InvalidChar {
        /// The offending character.
        ch: char,
        /// Its position, counted in characters from 0.
        position: usize,
    },
    /// A number is outside its allowed range.
    OutOfRange {
        /// The smallest value allowed.
        min: u64,
        /// The largest value allowed.
        max: u64,
        /// The value given.
        actual: u64,
    },
    /// The value is not one of a fixed set of words.
    NotOneOf {
        /// The words allowed.
        allowed: &'static [&'static str],
    },
    /// The value is not of the expected form; the text says which form.
    Malformed(&'static str),
}

impl Rule {
    /// The rule's code, as a server's validation details name it (`"rule"`): `empty`,
    /// `too_long`, `invalid_char`, `out_of_range`, `not_one_of` or `malformed`.
    pub fn code(&self) -> &'static str {
        match self {
            Rule::Empty => "empty",
            Rule::TooLong { .. } => "too_long",
            Rule::InvalidChar { .. } => "invalid_char",
            Rule::OutOfRange { .. } => "out_of_range",
            Rule::NotOneOf { .. } => "not_one_of",
            Rule::Malformed(_) => "malformed",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Empty => f.write_str("must not be empty"),
            Rule::TooLong { max, actual } => {
                write!(f, "must be at most {max} characters long, got {actual}")
            }
            Rule::InvalidChar { ch, position } => write!(
                f,
                "must contain only ASCII letters, digits, '-' and '_', found {} at position {position}",
                crate::error::QuotedChar(*ch)
            ),
            Rule::OutOfRange { min, max, actual } => {
                write!(f, "must be between {min} and {max}, got {actual}")
            }
            Rule::NotOneOf { allowed } => {
                f.write_str("must be one of ")?;
                for (i, word) in allowed.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(word)?;
                }
                Ok(())
            }
            Rule::Malformed(form) => write!(f, "must be {form}"),
        }
    }
}

/// One field that failed validation, and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    field: String,
    rule: Rule,
}

impl FieldError {
    /// A field error for `field` (a path such as `inputs[2].name`) breaking `rule`.
    pub fn new(field: impl Into<String>, rule: Rule) -> Self {
        Self {
            field: field.into(),
            rule,
        }
    }

    /// The field's name as the API spells it, with an index for list items (`file_ids[1]`).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The rule the value broke.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// The same error reported under another field name, for values checked out of context
    /// (an `AgentId` checked on its own is renamed when it came from a `--agent-id` flag).
    pub fn in_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.rule)
    }
}

impl core::error::Error for FieldError {}

/// All the fields of one request that failed validation, in the order they were checked.
///
/// Never empty: a request with no failures is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    errors: Vec<FieldError>,
}

impl ValidationError {
    /// The individual failures, at least one.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// Whether `field` is among the failures.
    pub fn has_field(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }
}

impl From<FieldError> for ValidationError {
    fn from(error: FieldError) -> Self {
        Self {
            errors: alloc::vec![error],
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid input: ")?;
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            fmt::Display::fmt(e, f)?;
        }
        Ok(())
    }
}

impl core::error::Error for ValidationError {}

/// Collects field errors while a request is checked, so all are reported at once.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    errors: Vec<FieldError>,
}

impl Collector {
    /// Keeps the value if it is valid, or records its error.
    pub(crate) fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    pub(crate) fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// Whether nothing failed so far.
    pub(crate) fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(value)` when nothing failed; the value is only built then.
    pub(crate) fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, ValidationError> {
        if self.errors.is_empty() {
            if let Some(v) = value() {
                return Ok(v);
            }
        }
        Err(ValidationError { errors: self.errors })
    }
}
