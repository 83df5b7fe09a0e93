//! Walking every item of a listing (runs, processes), one page at a time, as a [`Stream`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures_core::Stream;
use runs_core::transport::{Listing, PageQuery, Ready, random_seed};
use runs_core::{Error, ListProcesses, ListRuns};
use tokio::time::Instant;

use crate::client::Client;

/// The future that drives a listing to its next item, handing the listing back with it.
type Next<Q> =
    Pin<Box<dyn Future<Output = (Option<Result<<Q as PageQuery>::Item, Error>>, Listing<Q>)> + Send>>;

/// The runs of a query, fetched a page at a time; made by [`Client::runs`]. See [`Pages`].
pub type Runs = Pages<ListRuns>;

/// The processes of an agent, fetched a page at a time; made by [`Client::processes`]. See
/// [`Pages`].
pub type Processes = Pages<ListProcesses>;

/// The items of a listing, fetched a page at a time: a page is requested only when the stream
/// is polled after the items of the previous one have all been handed out.
/// [`max_items`](Pages::max_items) caps it.
///
/// Each item is an item or an error; after an error (a page that failed after its retries, or
/// a server that repeated a continuation token) the stream ends. It also ends after
/// `max_items` items, the last page asking only for the items still wanted. Dropping the
/// stream, even while a page is being fetched, stops the listing.
///
/// `Unpin`, so `while let Some(run) = runs.next().await` works as it is. To stop and carry on
/// later, keep [`continuation_token`](Pages::continuation_token) at a page boundary and resume
/// by listing `query.clone().with_continuation_token(token)`.
#[must_use = "streams do nothing unless polled"]
pub struct Pages<Q: PageQuery> {
    client: Client,
    epoch: Instant,
    /// `None` while `fetching` holds it.
    listing: Option<Listing<Q>>,
    fetching: Option<Next<Q>>,
    /// The listing's token and count as they were when `fetching` took it, so both read the
    /// same during a fetch as before it: no item is handed out until the fetch is done.
    before_fetch: (Option<String>, u64),
}

impl<Q: PageQuery> Pages<Q> {
    pub(crate) fn new(client: Client, query: Q, max_items: Option<u64>) -> Self {
        let listing = Listing::new(client.config(), query, max_items, random_seed());
        Self {
            client,
            epoch: Instant::now(),
            listing: Some(listing),
            fetching: None,
            before_fetch: (None, 0),
        }
    }

    /// The token of the next page to fetch, to resume the listing later from its query;
    /// `None` once the last page has been fetched. Items of the current page not yet handed
    /// out come before it. While a page is being fetched it is that page's token.
    pub fn continuation_token(&self) -> Option<&str> {
        match &self.listing {
            Some(listing) => listing.paginator().continuation_token(),
            None => self.before_fetch.0.as_deref(),
        }
    }

    /// Stops after `n` items in all, the last page asking only for the items still wanted.
    /// Meant for a listing not yet started (`client.runs(&query).max_items(50)`); on one under
    /// way it counts from the items already handed out, and it has no effect while a fetch is
    /// in flight (a `next()` dropped before it finished).
    pub fn max_items(mut self, n: u64) -> Self {
        if let Some(listing) = self.listing.as_mut() {
            listing.set_max_items(Some(n));
        }
        self
    }

    /// How many items have been handed out so far.
    pub fn handed_out(&self) -> u64 {
        match &self.listing {
            Some(listing) => listing.paginator().handed_out(),
            None => self.before_fetch.1,
        }
    }
}

impl<Q: PageQuery + fmt::Debug> fmt::Debug for Pages<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("listing", &self.listing)
            .field("fetching", &self.fetching.is_some())
            .finish_non_exhaustive()
    }
}

impl<Q> Stream for Pages<Q>
where
    Q: PageQuery + Send + Unpin + 'static,
    Q::Item: Send + Unpin,
    Q::Fetch: Send + Unpin,
{
    type Item = Result<Q::Item, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.fetching.is_none() {
            // Items of a page already fetched are handed out as they are: no future, no clone
            // of the client, per item.
            match this.listing.as_mut().map(Listing::poll_ready) {
                Some(Ready::Item(item)) => return Poll::Ready(Some(Ok(item))),
                Some(Ready::End) | None => return Poll::Ready(None),
                Some(Ready::Fetch) => {}
            }
            let Some(mut listing) = this.listing.take() else {
                return Poll::Ready(None);
            };
            let pages = listing.paginator();
            this.before_fetch = (pages.continuation_token().map(String::from), pages.handed_out());
            let (client, epoch) = (this.client.clone(), this.epoch);
            #[cfg(feature = "tracing")]
            let span = runs_core::__private::page_span(&listing);
            let fetch = async move {
                let item = client.drive_api(&mut listing, Some(epoch)).await;
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
