//! One page of a run listing.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::run::Run;

/// A page of runs and the token for the next page.
///
/// Both keys are always sent and either may be `null`: `items: null` is an empty page, and
/// `continuation_token: null` marks the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunPage {
    /// The runs on this page (`None` when the server sent `null`).
    pub items: Option<Vec<Run>>,
    /// Pass back with the same query to get the next page; `None` on the last page.
    pub continuation_token: Option<String>,
}

impl RunPage {
    /// The runs, empty when the server sent `null`.
    pub fn items(&self) -> &[Run] {
        self.items.as_deref().unwrap_or_default()
    }

    /// The runs by value, empty when the server sent `null`.
    pub fn into_items(self) -> Vec<Run> {
        self.items.unwrap_or_default()
    }
}
