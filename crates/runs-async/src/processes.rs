//! Walking every process of an agent, one page at a time, as a [`Stream`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use runs_core::{Error, ListProcesses, Listing, Process, random_seed};
use tokio::time::Instant;

use crate::client::Client;

type Next = Pin<Box<dyn Future<Output = (Option<Result<Process, Error>>, Listing<ListProcesses>)> + Send>>;

/// The processes of an agent, fetched a page at a time: a page is requested only when the
/// stream is polled after the processes of the previous one have all been handed out. Made by
/// [`Client::processes`].
///
/// As [`Runs`](crate::Runs): each item is a process or an error, the stream ends after an
/// error or `max_items` processes, dropping it stops the listing, it is `Unpin`, and
/// [`continuation_token`](Processes::continuation_token) at a page boundary resumes it later.
#[must_use = "streams do nothing unless polled"]
pub struct Processes {
    client: Client,
    epoch: Instant,
    /// `None` while `fetching` holds it.
    listing: Option<Listing<ListProcesses>>,
    fetching: Option<Next>,
}

impl Processes {
    pub(crate) fn new(client: Client, query: ListProcesses, max_items: Option<u64>) -> Self {
        let listing = Listing::new(client.config(), query, max_items, random_seed());
        Self {
            client,
            epoch: Instant::now(),
            listing: Some(listing),
            fetching: None,
        }
    }

    /// The token of the next page to fetch; `None` once the last page has been fetched (or the
    /// listing ended), and while a fetch is under way.
    pub fn continuation_token(&self) -> Option<&str> {
        self.listing.as_ref()?.paginator().continuation_token()
    }

    /// Stops after `n` processes in all, as [`Runs::max_items`](crate::Runs::max_items) does.
    pub fn max_items(mut self, n: u64) -> Self {
        if let Some(listing) = self.listing.as_mut() {
            listing.set_max_items(Some(n));
        }
        self
    }

    /// How many processes have been handed out so far (`None` while a fetch is under way).
    pub fn handed_out(&self) -> Option<u64> {
        Some(self.listing.as_ref()?.paginator().handed_out())
    }
}

impl std::fmt::Debug for Processes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Processes")
            .field("listing", &self.listing)
            .field("fetching", &self.fetching.is_some())
            .finish_non_exhaustive()
    }
}

impl Stream for Processes {
    type Item = Result<Process, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.fetching.is_none() {
            if let Some(ready) = this.listing.as_mut().and_then(Listing::poll_ready) {
                return Poll::Ready(ready);
            }
            let Some(mut listing) = this.listing.take() else {
                return Poll::Ready(None);
            };
            let (client, epoch) = (this.client.clone(), this.epoch);
            #[cfg(feature = "tracing")]
            let span = tracing::info_span!(
                target: "runs",
                "list_processes",
                agent.id = listing.paginator().query().agent_id().as_str(),
                handed_out = listing.paginator().handed_out(),
            );
            let fetch = async move {
                let item = client.drive(&mut listing, epoch).await;
                (item, listing)
            };
            #[cfg(feature = "tracing")]
            let fetch = tracing::Instrument::instrument(fetch, span);
            this.fetching = Some(Box::pin(fetch));
        }
        let Some(fetching) = this.fetching.as_mut() else {
            return Poll::Ready(None);
        };
        let (item, listing) = ready!(fetching.as_mut().poll(cx));
        this.fetching = None;
        this.listing = Some(listing);
        Poll::Ready(item)
    }
}
