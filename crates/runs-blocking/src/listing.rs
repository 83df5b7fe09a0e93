//! Walking every run of a query, one page at a time, as an iterator.

use std::iter::FusedIterator;
use std::time::Instant;

use runs_core::{Error, ListRuns, Listing, Run, random_seed};

use crate::client::Client;

/// The runs of a query, fetched a page at a time: a page is requested only when the runs of
/// the previous one have all been handed out. Made by [`Client::runs`]; [`max_items`](Runs::max_items) caps it.
///
/// Each item is a run or an error; after an error (a page that failed after its retries, or
/// a server that repeated a continuation token) the iteration ends. It also ends after
/// `max_items` runs, the last page asking only for the runs still wanted.
///
/// To stop and carry on later (in another process, say), keep
/// [`continuation_token`](Runs::continuation_token) at a page boundary and resume with
/// `query.continuation_token(token)`.
#[derive(Debug)]
#[must_use = "an iterator fetches nothing until it is consumed"]
pub struct Runs {
    client: Client,
    listing: Listing,
    epoch: Instant,
}

impl Runs {
    pub(crate) fn new(client: Client, query: ListRuns, max_items: Option<u64>) -> Self {
        Self {
            listing: Listing::new(client.config(), query, max_items, random_seed()),
            epoch: Instant::now(),
            client,
        }
    }

    /// The token of the next page to fetch, `None` once the last page has been fetched (or
    /// the listing ended). Runs of the current page not yet handed out come before it.
    pub fn continuation_token(&self) -> Option<&str> {
        self.listing.paginator().continuation_token()
    }

    /// Stops after `n` runs in all, the last page asking only for the runs still wanted.
    /// Meant for a listing not yet started (`client.runs(&query).max_items(50)`); on one under
    /// way it counts from the runs already handed out.
    pub fn max_items(mut self, n: u64) -> Self {
        self.listing.set_max_items(Some(n));
        self
    }

    /// How many runs have been handed out so far.
    pub fn handed_out(&self) -> u64 {
        self.listing.paginator().handed_out()
    }
}

impl Iterator for Runs {
    type Item = Result<Run, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        // A run of a page already fetched is handed out as it is, outside any span.
        if let Some(ready) = self.listing.poll_ready() {
            return ready;
        }
        #[cfg(feature = "tracing")]
        let _entered = runs_core::__page_span(&self.listing).entered();
        self.client.drive(&mut self.listing, self.epoch)
    }
}

impl FusedIterator for Runs {}
