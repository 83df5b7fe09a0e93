//! Processes: the object, the list-processes query and the get-process operation.
//!
//! ```
//! use runs_core::transport::{GetProcess, ListProcessesPage, Operation};
//! use runs_core::{Config, ListProcesses};
//! let config = Config::builder().api_key("k").base_url("http://127.0.0.1:1/v2").build()?;
//! let get = GetProcess::new("agent-1".parse()?, "invoice-ocr".parse()?);
//! assert_eq!(
//!     get.request(&config).url(),
//!     "http://127.0.0.1:1/v2/processes/invoice-ocr?agent_id=agent-1"
//! );
//! let list = ListProcesses::new("agent-1".parse()?).with_limit(50)?;
//! assert_eq!(
//!     ListProcessesPage(list).request(&config).url(),
//!     "http://127.0.0.1:1/v2/processes?agent_id=agent-1&limit=50"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::String;

use serde::{Deserialize, Serialize};

use crate::id::{AgentId, ProcessId};
use crate::list::check_limit;
use crate::status::Stage;
use crate::validation::{FieldError, Rule};

/// A process of an agent: the thing a run executes.
///
/// Fields the SDK does not know are ignored; a stage it does not know is kept ([`Stage`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Process {
    /// The process's id.
    pub id: ProcessId,
    /// Its name.
    pub name: String,
    /// The agent that owns it.
    pub agent_id: AgentId,
    /// Its stage.
    pub stage: Stage,
}

impl Process {
    /// A process; for servers, emulators and tests.
    pub fn new(id: ProcessId, name: impl Into<String>, agent_id: AgentId, stage: impl Into<Stage>) -> Self {
        Self {
            id,
            name: name.into(),
            agent_id,
            stage: stage.into(),
        }
    }
}

/// Which processes to list: those of one agent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListProcesses {
    agent_id: AgentId,
    limit: Option<u8>,
    continuation_token: Option<String>,
}

impl ListProcesses {
    /// All processes of `agent_id`, in pages of the server's default size.
    pub fn new(agent_id: AgentId) -> Self {
        Self {
            agent_id,
            limit: None,
            continuation_token: None,
        }
    }

    /// The same query with pages of `limit` processes, 1 to 100; a limit outside that range
    /// is a [`FieldError`] on `limit`.
    pub fn with_limit(mut self, limit: u64) -> Result<Self, FieldError> {
        self.limit = Some(check_limit(limit)?);
        Ok(self)
    }

    /// The same query, continuing a listing from a token a page returned or a listing's
    /// `continuation_token()` gave.
    pub fn with_continuation_token(mut self, token: impl Into<String>) -> Self {
        self.continuation_token = Some(token.into());
        self
    }

    /// Reads a `GET /processes` query string as the service does, reporting every broken
    /// rule by its parameter: for servers and the emulator (see [`ListRuns::from_query`]).
    ///
    /// [`ListRuns::from_query`]: crate::ListRuns::from_query
    pub fn from_query(query: &str) -> Result<Self, crate::ValidationError> {
        use crate::query;
        let mut c = crate::validation::Collector::default();
        let [agent, limit, token] = query::read(query, ["agent_id", "limit", "continuation_token"], &mut c);
        let agent_id = query::id::<AgentId>("agent_id", agent, &mut c);
        let limit = query::limit(limit, &mut c);
        let continuation_token = token.given();
        c.finish(|| {
            Some(Self {
                agent_id: agent_id?,
                limit: limit?,
                continuation_token,
            })
        })
    }

    /// The agent.
    pub fn agent_id(&self) -> &AgentId {
        &self.agent_id
    }

    /// The page size asked for, if any.
    pub fn limit(&self) -> Option<u8> {
        self.limit
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

/// `GET /processes?…`: one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListProcessesPage(pub ListProcesses);

/// `GET /processes/{process_id}?agent_id=…`: one process of an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetProcess {
    /// The agent that owns the process.
    pub agent_id: AgentId,
    /// The process.
    pub process_id: ProcessId,
}

impl GetProcess {
    /// The process `process_id` of `agent_id`.
    pub fn new(agent_id: AgentId, process_id: ProcessId) -> Self {
        Self { agent_id, process_id }
    }

    /// Reads `GET /processes/{process_id}?agent_id=…` as the service does, from the path's
    /// last segment (percent-encoded) and the query string, reporting every broken rule by
    /// its parameter: for servers and the emulator.
    pub fn from_request(process_segment: &str, query: &str) -> Result<Self, crate::ValidationError> {
        use crate::query;
        let mut c = crate::validation::Collector::default();
        let process_id = match query::decode_segment(process_segment) {
            Some(text) => c.check(ProcessId::new(text)),
            None => {
                c.push(FieldError::new("process_id", Rule::Malformed("UTF-8 text")));
                None
            }
        };
        let [agent] = query::read(query, ["agent_id"], &mut c);
        let agent_id = query::id::<AgentId>("agent_id", agent, &mut c);
        c.finish(|| {
            Some(Self {
                agent_id: agent_id?,
                process_id: process_id?,
            })
        })
    }
}
