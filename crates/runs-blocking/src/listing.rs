//! Walking every item of a listing (runs, processes), one page at a time, as an iterator.

use std::fmt;
use std::iter::FusedIterator;
use std::time::Instant;

use runs_core::transport::{Listing, PageQuery, Ready, random_seed};
use runs_core::{Error, ListProcesses, ListRuns};

use crate::client::Client;

/// The runs of a query, fetched a page at a time; made by [`Client::runs`]. See [`Pages`].
pub type Runs = Pages<ListRuns>;

/// The processes of an agent, fetched a page at a time; made by [`Client::processes`]. See
/// [`Pages`].
pub type Processes = Pages<ListProcesses>;

/// The items of a listing, fetched a page at a time: a page is requested only when the items
/// of the previous one have all been handed out. [`max_items`](Pages::max_items) caps it.
///
/// Each item is an item or an error; after an error (a page that failed after its retries, or
/// a server that repeated a continuation token) the iteration ends. It also ends after
/// `max_items` items, the last page asking only for the items still wanted.
///
/// To stop and carry on later (in another process, say), keep
/// [`continuation_token`](Pages::continuation_token) at a page boundary and resume by listing
/// `query.clone().with_continuation_token(token)`.
#[must_use = "an iterator fetches nothing until it is consumed"]
pub struct Pages<Q: PageQuery> {
    client: Client,
    listing: Listing<Q>,
    epoch: Instant,
}

impl<Q: PageQuery + fmt::Debug> fmt::Debug for Pages<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("listing", &self.listing)
            .finish_non_exhaustive()
    }
}

impl<Q: PageQuery> Pages<Q> {
    pub(crate) fn new(client: Client, query: Q, max_items: Option<u64>) -> Self {
        Self {
            listing: Listing::new(client.config(), query, max_items, random_seed()),
            epoch: Instant::now(),
            client,
        }
    }

    /// The token of the next page to fetch, `None` once the last page has been fetched (or
    /// the listing ended). Items of the current page not yet handed out come before it.
    pub fn continuation_token(&self) -> Option<&str> {
        self.listing.paginator().continuation_token()
    }

    /// Stops after `n` items in all, the last page asking only for the items still wanted.
    /// Meant for a listing not yet started (`client.runs(&query).max_items(50)`); on one under
    /// way it counts from the items already handed out.
    pub fn max_items(mut self, n: u64) -> Self {
        self.listing.set_max_items(Some(n));
        self
    }

    /// How many items have been handed out so far.
    pub fn handed_out(&self) -> u64 {
        self.listing.paginator().handed_out()
    }
}

impl<Q: PageQuery> Iterator for Pages<Q> {
    type Item = Result<Q::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        // An item of a page already fetched is handed out as it is, outside any span.
        match self.listing.poll_ready() {
            Ready::Item(item) => return Some(Ok(item)),
            Ready::End => return None,
            Ready::Fetch => {}
        }
        #[cfg(feature = "tracing")]
        let _entered = runs_core::__private::page_span(&self.listing).entered();
        self.client.drive_api(&mut self.listing, Some(self.epoch))
    }
}

impl<Q: PageQuery> FusedIterator for Pages<Q> {}
