//! Markers for typed-state builders: whether a required field has been given.
//!
//! A builder carries one marker per required field in its type. Setters turn `Missing` into
//! `Set`, and `build` exists only when every marker is `Set`, so a forgotten field is a
//! compile error rather than a runtime one.

/// A required builder field that has not been set yet.
#[derive(Debug, Clone, Copy)]
pub struct Missing;

/// A required builder field that has been set.
#[derive(Debug, Clone, Copy)]
pub struct Set;
