//! The list-runs query.

use alloc::string::String;

use crate::id::{AgentId, ProcessId};
use crate::status::ProcessStage;
use crate::validation::{FieldError, Rule};

/// The most runs one page may hold.
pub const MAX_LIMIT: u8 = 100;
/// How many runs a page holds when no limit is given.
pub const DEFAULT_LIMIT: u8 = 10;

/// Which runs to list: those of one process of one agent, optionally of one stage.
///
/// A query is a value: `with_*` gives a changed copy, and each field has a getter of its
/// name.
///
/// ```
/// # use runs_core::{ListRuns, ProcessStage};
/// let query = ListRuns::new("agent-1".parse()?, "invoice-ocr".parse()?)
///     .with_limit(50)?
///     .with_stage(ProcessStage::Published);
/// assert_eq!(query.limit(), Some(50));
/// assert_eq!(query.stage(), Some(ProcessStage::Published));
/// # Ok::<(), runs_core::FieldError>(())
/// ```
///
/// # Resuming
///
/// A listing stopped part way (a process restarted, a user paging by hand) carries on from
/// the token its last page gave, `Runs::continuation_token()` on either client or
/// [`RunPage::continuation_token`](crate::RunPage) of one page:
///
/// ```
/// # use runs_core::ListRuns;
/// # let query = ListRuns::new("agent-1".parse()?, "invoice-ocr".parse()?);
/// # let saved = String::from("t2");
/// let resumed = query.with_continuation_token(saved);
/// assert_eq!(resumed.continuation_token(), Some("t2"));
/// # Ok::<(), runs_core::FieldError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListRuns {
    agent_id: AgentId,
    process_id: ProcessId,
    limit: Option<u8>,
    stage: Option<ProcessStage>,
    continuation_token: Option<String>,
}

/// Checks a page size: 1 to 100.
pub(crate) fn check_limit(limit: u64) -> Result<u8, FieldError> {
    match u8::try_from(limit) {
        Ok(l) if (1..=MAX_LIMIT).contains(&l) => Ok(l),
        _ => Err(FieldError::new(
            "limit",
            Rule::OutOfRange {
                min: 1,
                max: u64::from(MAX_LIMIT),
                actual: limit,
            },
        )),
    }
}

impl ListRuns {
    /// All runs of `process_id` of `agent_id`, newest first, in pages of the server's default.
    pub fn new(agent_id: AgentId, process_id: ProcessId) -> Self {
        Self {
            agent_id,
            process_id,
            limit: None,
            stage: None,
            continuation_token: None,
        }
    }

    /// The same query with pages of `limit` runs, 1 to 100; a limit outside that range is a
    /// [`FieldError`] on `limit`.
    pub fn with_limit(mut self, limit: u64) -> Result<Self, FieldError> {
        self.limit = Some(check_limit(limit)?);
        Ok(self)
    }

    /// The same query for runs of `stage` only.
    pub fn with_stage(mut self, stage: ProcessStage) -> Self {
        self.stage = Some(stage);
        self
    }

    /// The same query, continuing a listing from a token a page returned or a listing's
    /// `continuation_token()` gave: the one call that resumes a listing (see
    /// [Resuming](ListRuns#resuming)).
    pub fn with_continuation_token(mut self, token: impl Into<String>) -> Self {
        self.continuation_token = Some(token.into());
        self
    }

    /// Reads a `GET /runs` query string as the service does, reporting every broken rule by
    /// its parameter: for servers and the emulator (unknown parameters are ignored; `limit`
    /// absent stays `None`, which the service takes as [`DEFAULT_LIMIT`]).
    ///
    /// ```
    /// # use runs_core::ListRuns;
    /// let q = ListRuns::from_query("agent_id=a&process_id=p&limit=20")?;
    /// assert_eq!(q.limit(), Some(20));
    /// let e = ListRuns::from_query("agent_id=a&limit=500").unwrap_err();
    /// assert_eq!(e.to_string(), "invalid input: process_id must be present; limit must be between 1 and 100, got 500");
    /// # Ok::<(), runs_core::ValidationError>(())
    /// ```
    pub fn from_query(query: &str) -> Result<Self, crate::ValidationError> {
        use crate::query::{self, Param};
        let mut c = crate::validation::Collector::default();
        let [agent, process, limit, stage, token] = query::read(
            query,
            ["agent_id", "process_id", "limit", "stage", "continuation_token"],
            &mut c,
        );
        let agent_id = query::id::<AgentId>("agent_id", agent, &mut c);
        let process_id = query::id::<ProcessId>("process_id", process, &mut c);
        let limit = query::limit(limit, &mut c);
        let stage = match stage {
            Param::Absent => Some(None),
            Param::Given(s) => c.check(ProcessStage::parse_field("stage", &s)).map(Some),
            Param::Bad => None,
        };
        let continuation_token = token.given();
        c.finish(|| {
            Some(Self {
                agent_id: agent_id?,
                process_id: process_id?,
                limit: limit?,
                stage: stage?,
                continuation_token,
            })
        })
    }

    /// The agent.
    pub fn agent_id(&self) -> &AgentId {
        &self.agent_id
    }
    /// The process.
    pub fn process_id(&self) -> &ProcessId {
        &self.process_id
    }
    /// The page size asked for, if any.
    pub fn limit(&self) -> Option<u8> {
        self.limit
    }
    /// The stage asked for, if any.
    pub fn stage(&self) -> Option<ProcessStage> {
        self.stage
    }
    /// The token this query continues from, if any.
    pub fn continuation_token(&self) -> Option<&str> {
        self.continuation_token.as_deref()
    }

    pub(crate) fn with_page(&self, limit: Option<u8>, token: Option<&str>) -> Self {
        Self {
            limit,
            continuation_token: token.map(String::from),
            ..self.clone()
        }
    }
}
