//! Walking a listing page by page; the rules are on [`Paginator`].

use alloc::collections::{BTreeSet, VecDeque};
use alloc::string::String;
use core::fmt;
use core::time::Duration;

use crate::call::{Action, Call, Machine};
use crate::config::Config;
use crate::error::{Error, TransportError};
use crate::http::Response;
use crate::list::{DEFAULT_LIMIT, ListRuns};
use crate::page::Page;
use crate::process::{ListProcesses, ListProcessesPage, Process};
use crate::run::Run;
use crate::trace::event;
use crate::wire::{ListPage, Operation};

/// The private half of [`PageQuery`]: only the API's own listings page (so the trait can
/// grow without breaking anyone), and what the paginator asks of them beyond the public half
/// is runs-core's own, unnameable outside it.
pub(crate) mod sealed {
    use crate::{ListProcesses, ListRuns};

    pub trait Sealed: Sized {
        /// The same query for one page: this size and this token.
        fn with_page(&self, limit: Option<u8>, token: Option<&str>) -> Self;
        /// The span of one page's fetch, `handed_out` items having come before it.
        #[cfg(feature = "tracing")]
        fn page_span(&self, handed_out: u64) -> tracing::Span;
    }

    impl Sealed for ListRuns {
        fn with_page(&self, limit: Option<u8>, token: Option<&str>) -> Self {
            ListRuns::with_page(self, limit, token)
        }
        #[cfg(feature = "tracing")]
        fn page_span(&self, handed_out: u64) -> tracing::Span {
            tracing::info_span!(
                target: "runs",
                "list_runs",
                agent.id = self.agent_id().as_str(),
                process.id = self.process_id().as_str(),
                handed_out,
            )
        }
    }

    impl Sealed for ListProcesses {
        fn with_page(&self, limit: Option<u8>, token: Option<&str>) -> Self {
            ListProcesses::with_page(self, limit, token)
        }
        #[cfg(feature = "tracing")]
        fn page_span(&self, handed_out: u64) -> tracing::Span {
            tracing::info_span!(
                target: "runs",
                "list_processes",
                agent.id = self.agent_id().as_str(),
                handed_out,
            )
        }
    }
}

/// A query whose results come in pages ([`ListRuns`], [`ListProcesses`]): what the paginator
/// needs to ask for each page. Sealed: the API's listings are the only ones; a transport only
/// names it as a bound.
pub trait PageQuery: Clone + sealed::Sealed {
    /// What a page holds.
    type Item: fmt::Debug + Clone + PartialEq;
    /// The operation that fetches one page of this query.
    type Fetch: Operation<Output = Page<Self::Item>>;
    /// The page size asked for, if any.
    fn limit(&self) -> Option<u8>;
    /// The token this query continues from, if any.
    fn continuation_token(&self) -> Option<&str>;
    /// The operation fetching the page this query names.
    fn fetch(self) -> Self::Fetch;
}

impl PageQuery for ListRuns {
    type Item = Run;
    type Fetch = ListPage;
    fn limit(&self) -> Option<u8> {
        ListRuns::limit(self)
    }
    fn continuation_token(&self) -> Option<&str> {
        ListRuns::continuation_token(self)
    }
    fn fetch(self) -> ListPage {
        ListPage(self)
    }
}

impl PageQuery for ListProcesses {
    type Item = Process;
    type Fetch = ListProcessesPage;
    fn limit(&self) -> Option<u8> {
        ListProcesses::limit(self)
    }
    fn continuation_token(&self) -> Option<&str> {
        ListProcesses::continuation_token(self)
    }
    fn fetch(self) -> ListProcessesPage {
        ListProcessesPage(self)
    }
}

/// The most empty pages in a row, each with a new continuation token, a listing accepts before
/// it stops with [`Error::EmptyPages`]. A server that filters after paging can send a few
/// empty pages legitimately (a stage filter over a long history); a thousand, at up to 100
/// runs a page, is a server paging forever.
pub const MAX_EMPTY_PAGES: u32 = 1000;

/// What the paginator wants next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step<Q: PageQuery = ListRuns> {
    /// The next item of the listing.
    Item(Q::Item),
    /// Fetch this page, then call [`Paginator::handle_page`].
    Fetch(Q),
    /// The listing is over.
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Next {
    /// Fetch the page this token names (`None`: the first page).
    Fetch(Option<String>),
    /// A page was asked for and has not come back.
    Awaiting(Option<String>),
    /// No more pages.
    End,
}

/// The pure pagination state machine.
///
/// # How it works
///
/// Walking a listing page by page: of runs, or of processes.
///
/// Both listings page the same way, so one generic paginator serves both: a query type
/// implementing [`PageQuery`] ([`ListRuns`], [`ListProcesses`]) says how
/// to ask for one of its pages. The type parameter defaults to [`ListRuns`], so `Paginator` and
/// `Listing` on their own are the run listing.
///
/// [`Paginator`] is the pure part: it says which page to fetch next, takes the page that came
/// back, and hands out its items one by one. It stops on a `null` token or once `max_items` runs
/// have been handed out, asking the last page only for the runs still wanted. A token the
/// server already gave is an error ([`Error::RepeatedToken`]), not an endless loop, and so
/// are [`MAX_EMPTY_PAGES`] empty pages in a row that each bring a new token
/// ([`Error::EmptyPages`]): a server can page forever without repeating itself.
///
/// [`Listing`] wraps it with a [`Call`] per page, so a transport drives a whole listing with the
/// same loop as any other operation, fetching a page only when the previous one is used up.
///
/// A listing can stop and resume later: [`Paginator::continuation_token`] is the token of the
/// next page to fetch; a new `Paginator` over the query with that token carries on from there.
#[derive(Debug, Clone)]
pub struct Paginator<Q: PageQuery = ListRuns> {
    query: Q,
    max_items: Option<u64>,
    handed_out: u64,
    buffer: VecDeque<Q::Item>,
    seen: BTreeSet<String>,
    empty_in_a_row: u32,
    next: Next,
}

impl<Q: PageQuery> Paginator<Q> {
    /// A listing of `query`, from its continuation token if it has one, of at most `max_items`
    /// items (`None`: all of them).
    pub fn new(query: Q, max_items: Option<u64>) -> Self {
        let start = query.continuation_token().map(String::from);
        let mut seen = BTreeSet::new();
        if let Some(t) = &start {
            seen.insert(t.clone());
        }
        Self {
            query,
            max_items,
            handed_out: 0,
            buffer: VecDeque::new(),
            seen,
            empty_in_a_row: 0,
            next: if max_items == Some(0) {
                Next::End
            } else {
                Next::Fetch(start)
            },
        }
    }

    /// Caps the listing at `max_items` items in all (`None`: no cap), counting those already
    /// handed out; a cap already reached ends it.
    pub fn set_max_items(&mut self, max_items: Option<u64>) {
        self.max_items = max_items;
        if max_items.is_some_and(|max| self.handed_out >= max) {
            self.buffer.clear();
            self.next = Next::End;
        }
    }

    /// What to do next: hand out an item, fetch a page, or stop.
    pub fn poll(&mut self) -> Step<Q> {
        if let Some(step) = self.poll_ready() {
            return step;
        }
        match &self.next {
            Next::Fetch(token) | Next::Awaiting(token) => {
                let token = token.clone();
                let page_size = u64::from(self.query.limit().unwrap_or(DEFAULT_LIMIT));
                let limit = match self.max_items {
                    // Ask the last page only for what is still wanted.
                    Some(max) if max - self.handed_out < page_size => {
                        u8::try_from(max - self.handed_out).ok()
                    }
                    _ => self.query.limit(),
                };
                let request = self.query.with_page(limit, token.as_deref());
                self.next = Next::Awaiting(token);
                Step::Fetch(request)
            }
            Next::End => Step::Done,
        }
    }

    /// The next step if it needs no page: an item already fetched ([`Step::Item`]) or the end
    /// ([`Step::Done`]). `None` when a page must be fetched first; [`poll`](Self::poll) then
    /// says which.
    pub fn poll_ready(&mut self) -> Option<Step<Q>> {
        if self.max_items.is_some_and(|max| self.handed_out >= max) {
            self.buffer.clear();
            self.next = Next::End;
            return Some(Step::Done);
        }
        if let Some(item) = self.buffer.pop_front() {
            self.handed_out += 1;
            return Some(Step::Item(item));
        }
        (self.next == Next::End).then_some(Step::Done)
    }

    /// Takes the page fetched for the last [`Step::Fetch`].
    pub fn handle_page(&mut self, page: Page<Q::Item>) -> Result<(), Error> {
        let token = page.continuation_token.filter(|t| !t.is_empty());
        let items = page.items.unwrap_or_default();
        // The token itself is not recorded: it may be a credential of sorts.
        event!(debug, { runs = items.len(), more = token.is_some() }, "page");
        if items.is_empty() {
            self.empty_in_a_row = self.empty_in_a_row.saturating_add(1);
        } else {
            self.empty_in_a_row = 0;
        }
        self.buffer.extend(items);
        match token {
            None => self.next = Next::End,
            Some(_) if self.empty_in_a_row >= MAX_EMPTY_PAGES => {
                self.next = Next::End;
                return Err(Error::EmptyPages {
                    pages: self.empty_in_a_row,
                });
            }
            Some(t) if self.seen.contains(&t) => {
                self.next = Next::End;
                return Err(Error::RepeatedToken { token: t });
            }
            Some(t) => {
                self.seen.insert(t.clone());
                self.next = Next::Fetch(Some(t));
            }
        }
        Ok(())
    }

    /// Ends the listing early (after a failed fetch).
    pub fn stop(&mut self) {
        self.buffer.clear();
        self.next = Next::End;
    }

    /// The query being listed.
    pub fn query(&self) -> &Q {
        &self.query
    }

    /// How many items have been handed out.
    pub fn handed_out(&self) -> u64 {
        self.handed_out
    }

    /// The token of the next page to fetch, to resume the listing later from its query; `None`
    /// once the last page has been fetched. Items of the current page not yet handed out are not
    /// covered by it.
    pub fn continuation_token(&self) -> Option<&str> {
        match &self.next {
            Next::Fetch(t) | Next::Awaiting(t) => t.as_deref(),
            Next::End => None,
        }
    }
}

/// What a [`Listing`] can give without a request; see [`Listing::poll_ready`].
#[derive(Debug, Clone, PartialEq)]
pub enum Ready<T> {
    /// The next item, from a page already fetched.
    Item(T),
    /// The listing is over.
    End,
    /// The next page must be fetched: drive the listing as a [`Machine`].
    Fetch,
}

/// A whole listing as a [`Machine`]: each `Done` is the next item (`Some(Ok)`), a failure
/// (`Some(Err)`, after which the listing ends), or the end (`None`). Polling after `Done`
/// carries on with the next item.
pub struct Listing<Q: PageQuery = ListRuns> {
    config: Config,
    pages: Paginator<Q>,
    call: Option<Call<Q::Fetch>>,
    seed: u64,
}

impl<Q: PageQuery + fmt::Debug> fmt::Debug for Listing<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listing")
            .field("config", &self.config)
            .field("pages", &self.pages)
            .field("fetching", &self.call.is_some())
            .field("seed", &self.seed)
            .finish()
    }
}

impl<Q: PageQuery> Listing<Q> {
    /// A listing of `query` under `config`, of at most `max_items` items.
    pub fn new(config: &Config, query: Q, max_items: Option<u64>, seed: u64) -> Self {
        Self {
            config: config.clone(),
            pages: Paginator::new(query, max_items),
            call: None,
            seed,
        }
    }

    /// The next output if it needs no request, without driving the machine: an item of a
    /// page already fetched, the end, or [`Ready::Fetch`] when the next page must be fetched
    /// first. Lets a transport hand out a page's items without setting up any I/O for each.
    pub fn poll_ready(&mut self) -> Ready<Q::Item> {
        if self.call.is_some() {
            return Ready::Fetch;
        }
        match self.pages.poll_ready() {
            Some(Step::Item(item)) => Ready::Item(item),
            Some(Step::Done) => Ready::End,
            Some(Step::Fetch(_)) | None => Ready::Fetch,
        }
    }

    /// The paginator, for its resume token and count.
    pub fn paginator(&self) -> &Paginator<Q> {
        &self.pages
    }

    /// Caps the listing; see [`Paginator::set_max_items`].
    pub fn set_max_items(&mut self, max_items: Option<u64>) {
        self.pages.set_max_items(max_items);
    }
}

impl<Q: PageQuery> Machine for Listing<Q> {
    type Output = Option<Result<Q::Item, Error>>;

    fn poll(&mut self, now: Duration) -> Action<Self::Output> {
        loop {
            if let Some(call) = &mut self.call {
                match call.poll(now) {
                    Action::Send { request, timeout } => return Action::Send { request, timeout },
                    Action::Sleep(d) => return Action::Sleep(d),
                    Action::Done(result) => {
                        self.call = None;
                        if let Err(e) = result.and_then(|page| self.pages.handle_page(page)) {
                            self.pages.stop();
                            let e = match e {
                                Error::RepeatedToken { token } => Error::RepeatedToken {
                                    token: self.config.secrets.scrub(&token).into_owned(),
                                },
                                other => other,
                            };
                            return Action::Done(Some(Err(e)));
                        }
                    }
                }
            }
            match self.pages.poll() {
                Step::Item(item) => return Action::Done(Some(Ok(item))),
                Step::Done => return Action::Done(None),
                Step::Fetch(query) => {
                    self.seed = self.seed.wrapping_add(1);
                    self.call = Some(Call::new(&self.config, query.fetch(), self.seed));
                }
            }
        }
    }

    fn handle_response(&mut self, now: Duration, response: Response<'_>) {
        if let Some(call) = &mut self.call {
            call.handle_response(now, response);
        }
    }

    fn handle_response_at(&mut self, now: Duration, unix_time: Duration, response: Response<'_>) {
        if let Some(call) = &mut self.call {
            call.handle_response_at(now, unix_time, response);
        }
    }

    fn handle_failure(&mut self, now: Duration, error: TransportError) {
        if let Some(call) = &mut self.call {
            call.handle_failure(now, error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::{AgentId, ProcessId};

    fn query() -> ListRuns {
        ListRuns::new(AgentId::new("a").unwrap(), ProcessId::new("p").unwrap())
    }

    fn page(token: Option<&str>) -> crate::RunPage {
        crate::RunPage {
            items: None,
            continuation_token: token.map(String::from),
        }
    }

    #[test]
    fn a_listing_resumes_from_its_query_and_last_token() {
        let mut first = Paginator::new(query(), None);
        assert!(matches!(first.poll(), Step::Fetch(q) if q.continuation_token().is_none()));
        first.handle_page(page(Some("t1"))).unwrap();
        let token = first.continuation_token().unwrap().to_string();
        assert_eq!(token, "t1");

        // Later, perhaps in another process: the same query plus the token carries on.
        let mut resumed = Paginator::new(query().with_continuation_token(token), None);
        assert!(matches!(resumed.poll(), Step::Fetch(q) if q.continuation_token() == Some("t1")));
        // The token it resumed from counts as seen: a server handing it back is caught.
        assert!(matches!(
            resumed.handle_page(page(Some("t1"))),
            Err(Error::RepeatedToken { .. })
        ));
    }

    #[test]
    fn runs_already_fetched_are_ready_without_a_request() {
        let mut listing = Listing::new(
            &crate::Config::builder()
                .api_key("k")
                .base_url("http://127.0.0.1:1/v2")
                .build()
                .unwrap(),
            query(),
            Some(2),
            0,
        );
        assert_eq!(listing.poll_ready(), Ready::Fetch, "nothing fetched yet");
        let Action::Send { .. } = listing.poll(Duration::ZERO) else {
            panic!("expected a request")
        };
        let body = br#"{"items":[{"id":"r1","name":"n","agent_id":"a","process_id":"p","stage":"Draft","status":"Running","created_at":"2021-01-01T12:00:00"},{"id":"r2","name":"n","agent_id":"a","process_id":"p","stage":"Draft","status":"Running","created_at":"2021-01-01T12:00:00"}],"continuation_token":"t"}"#;
        listing.handle_response(
            Duration::ZERO,
            Response {
                status: 200,
                headers: &[("a", "b")],
                body,
            },
        );
        assert!(
            matches!(listing.poll(Duration::ZERO), Action::Done(Some(Ok(run))) if run.id.as_str() == "r1")
        );
        assert!(matches!(listing.poll_ready(), Ready::Item(run) if run.id.as_str() == "r2"));
        // max_items reached: the end is known without asking for the next page.
        assert_eq!(listing.poll_ready(), Ready::End);
    }

    #[test]
    fn endless_empty_pages_with_new_tokens_end_the_listing() {
        let mut pages = Paginator::new(query(), None);
        for n in 1..MAX_EMPTY_PAGES {
            assert!(matches!(pages.poll(), Step::Fetch(_)));
            pages.handle_page(page(Some(&alloc::format!("t{n}")))).unwrap();
        }
        assert!(matches!(pages.poll(), Step::Fetch(_)));
        let e = pages.handle_page(page(Some("last"))).unwrap_err();
        assert!(
            matches!(e, Error::EmptyPages { pages } if pages == MAX_EMPTY_PAGES),
            "{e}"
        );
        assert_eq!(pages.poll(), Step::Done);
    }

    #[test]
    fn a_page_with_runs_resets_the_count_of_empty_pages() {
        let mut pages = Paginator::new(query(), None);
        let run = crate::Run::new(
            "r".parse().unwrap(),
            "n",
            "a".parse().unwrap(),
            "p".parse().unwrap(),
            crate::ProcessStage::Draft,
            crate::RunStatus::Running,
            "2021-01-01T12:00:00".parse().unwrap(),
        );
        for n in 0..3 * MAX_EMPTY_PAGES {
            while let Step::Item(_) = pages.poll() {}
            let mut p = page(Some(&alloc::format!("t{n}")));
            if n % (MAX_EMPTY_PAGES - 1) == 0 {
                p.items = Some(alloc::vec![run.clone()]);
            }
            pages.handle_page(p).unwrap();
        }
    }

    #[test]
    fn max_items_zero_fetches_nothing() {
        assert_eq!(Paginator::new(query(), Some(0)).poll(), Step::Done);
    }

    #[test]
    fn processes_page_with_the_same_paginator_and_the_last_page_asks_for_the_rest() {
        let query = ListProcesses::new(AgentId::new("a").unwrap())
            .with_limit(2)
            .unwrap();
        let mut pages = Paginator::new(query, Some(3));
        let Step::Fetch(first) = pages.poll() else {
            panic!("expected a fetch")
        };
        assert_eq!((first.limit(), first.continuation_token()), (Some(2), None));
        let process = |id: &str| {
            Process::new(
                ProcessId::new(id).unwrap(),
                "n",
                AgentId::new("a").unwrap(),
                crate::ProcessStage::Draft,
            )
        };
        let page = crate::ProcessPage {
            items: Some(alloc::vec![process("p1"), process("p2")]),
            continuation_token: Some("t1".into()),
        };
        pages.handle_page(page).unwrap();
        assert!(matches!(pages.poll(), Step::Item(p) if p.id.as_str() == "p1"));
        assert!(matches!(pages.poll(), Step::Item(p) if p.id.as_str() == "p2"));
        let Step::Fetch(last) = pages.poll() else {
            panic!("expected a fetch")
        };
        assert_eq!((last.limit(), last.continuation_token()), (Some(1), Some("t1")));
        assert_eq!(last.agent_id().as_str(), "a");
    }
}
