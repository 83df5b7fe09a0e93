//! Walking every process of an agent, one page at a time, as an iterator.

use std::iter::FusedIterator;
use std::time::Instant;

use runs_core::{Error, ListProcesses, Listing, Process, random_seed};

use crate::client::Client;

/// The processes of an agent, fetched a page at a time: a page is requested only when the
/// processes of the previous one have all been handed out. Made by [`Client::processes`].
///
/// As [`Runs`](crate::Runs): each item is a process or an error, the iteration ends after an
/// error or `max_items` processes, and [`continuation_token`](Processes::continuation_token)
/// at a page boundary resumes it later with `query.continuation_token(token)`.
#[derive(Debug)]
#[must_use = "an iterator fetches nothing until it is consumed"]
pub struct Processes {
    client: Client,
    listing: Listing<ListProcesses>,
    epoch: Instant,
}

impl Processes {
    pub(crate) fn new(client: Client, query: ListProcesses, max_items: Option<u64>) -> Self {
        Self {
            listing: Listing::new(client.config(), query, max_items, random_seed()),
            epoch: Instant::now(),
            client,
        }
    }

    /// The token of the next page to fetch, `None` once the last page has been fetched (or
    /// the listing ended). Processes of the current page not yet handed out come before it.
    pub fn continuation_token(&self) -> Option<&str> {
        self.listing.paginator().continuation_token()
    }

    /// Stops after `n` processes in all, as [`Runs::max_items`](crate::Runs::max_items) does.
    pub fn max_items(mut self, n: u64) -> Self {
        self.listing.set_max_items(Some(n));
        self
    }

    /// How many processes have been handed out so far.
    pub fn handed_out(&self) -> u64 {
        self.listing.paginator().handed_out()
    }
}

impl Iterator for Processes {
    type Item = Result<Process, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(ready) = self.listing.poll_ready() {
            return ready;
        }
        #[cfg(feature = "tracing")]
        let _entered = tracing::info_span!(
            target: "runs",
            "list_processes",
            agent.id = self.listing.paginator().query().agent_id().as_str(),
            handed_out = self.listing.paginator().handed_out(),
        )
        .entered();
        self.client.drive(&mut self.listing, self.epoch)
    }
}

impl FusedIterator for Processes {}
