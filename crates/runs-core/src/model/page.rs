//! One page of a listing: of runs (`GET /runs`) or of processes (`GET /processes`).
//!
//! Both listings page the same way, so there is one page type, [`Page`], and the names the
//! API's schemas use are aliases of it: [`RunPage`] and [`ProcessPage`].

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::json::{self, Reader, nullable, once};
use crate::process::Process;
use crate::run::Run;

/// A page of items and the token for the next page.
///
/// Both keys are always sent and either may be `null`: `items: null` is an empty page, and
/// `continuation_token: null` marks the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items on this page (`None` when the server sent `null`).
    pub items: Option<Vec<T>>,
    /// Pass back with the same query to get the next page; `None` on the last page.
    pub continuation_token: Option<String>,
}

/// A page of runs.
pub type RunPage = Page<Run>;

/// A page of processes.
pub type ProcessPage = Page<Process>;

impl<T> Page<T> {
    /// The items, empty when the server sent `null`.
    pub fn items(&self) -> &[T] {
        self.items.as_deref().unwrap_or_default()
    }

    /// The items by value, empty when the server sent `null`.
    pub fn into_items(self) -> Vec<T> {
        self.items.unwrap_or_default()
    }
}

impl Page<Run> {
    /// Reads a page of runs the way its derived `Deserialize` does, without serde (see
    /// `wire::json` for why).
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, json::Error> {
        let (mut items, mut token) = (None, None);
        r.object("struct Page", &mut |r, key| match key {
            "items" => once(&mut items, "items", r, |r| {
                nullable(r, |r| {
                    let mut runs = Vec::new();
                    r.array("a sequence", &mut |r| Run::read(r).map(|run| runs.push(run)))?;
                    Ok(runs)
                })
            }),
            "continuation_token" => once(&mut token, "continuation_token", r, |r| {
                nullable(r, |r| r.string().map(Into::into))
            }),
            _ => r.skip(),
        })?;
        Ok(Self {
            items: items.flatten(),
            continuation_token: token.flatten(),
        })
    }
}
