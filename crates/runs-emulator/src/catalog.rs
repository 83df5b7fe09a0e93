//! The agents and processes the emulator knows, and how each process's runs end.
//!
//! The default set is one agent, [`DEMO_AGENT`], with one process per terminal status:
//!
//! | process | its runs end |
//! |---|---|
//! | [`HELLO_WORLD`] | `Succeeded`, with outputs (see [`crate::outputs`]) |
//! | [`ALWAYS_FAILS`] | `Failed` |
//! | [`GETS_CANCELLED`] | `Cancelled` |
//! | [`TIMES_OUT`] | `TimedOut` |
//!
//! Every process accepts both stages. Anything else is a 404.

use std::collections::BTreeMap;

use runs_core::{AgentId, ProcessId, RunStatus};

/// The seeded agent.
pub const DEMO_AGENT: &str = "demo-agent";
/// A process of [`DEMO_AGENT`] whose runs succeed.
pub const HELLO_WORLD: &str = "hello-world";
/// A process of [`DEMO_AGENT`] whose runs fail.
pub const ALWAYS_FAILS: &str = "always-fails";
/// A process of [`DEMO_AGENT`] whose runs are cancelled.
pub const GETS_CANCELLED: &str = "gets-cancelled";
/// A process of [`DEMO_AGENT`] whose runs time out.
pub const TIMES_OUT: &str = "times-out";

/// Agents, their processes, and the status each process's runs end in.
#[derive(Debug, Clone, Default)]
pub(crate) struct Catalog {
    agents: BTreeMap<AgentId, BTreeMap<ProcessId, RunStatus>>,
}

/// Where a lookup of an agent and process led.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lookup {
    /// Both exist; runs end in this status.
    Found(RunStatus),
    /// No such agent.
    NoAgent,
    /// The agent exists but has no such process.
    NoProcess,
}

impl Catalog {
    /// The default set described in the module docs.
    pub(crate) fn seeded() -> Vec<(String, String, RunStatus)> {
        [
            (HELLO_WORLD, RunStatus::Succeeded),
            (ALWAYS_FAILS, RunStatus::Failed),
            (GETS_CANCELLED, RunStatus::Cancelled),
            (TIMES_OUT, RunStatus::TimedOut),
        ]
        .into_iter()
        .map(|(p, s)| (DEMO_AGENT.to_string(), p.to_string(), s))
        .collect()
    }

    /// Adds (or replaces) a process of an agent.
    pub(crate) fn insert(&mut self, agent: AgentId, process: ProcessId, ends_in: RunStatus) {
        self.agents.entry(agent).or_default().insert(process, ends_in);
    }

    /// Whether the agent exists.
    pub(crate) fn has_agent(&self, agent: &AgentId) -> bool {
        self.agents.contains_key(agent)
    }

    /// The agent, when there is exactly one.
    pub(crate) fn only_agent(&self) -> Option<&AgentId> {
        let mut agents = self.agents.keys();
        let first = agents.next()?;
        agents.next().is_none().then_some(first)
    }

    /// The processes of an agent, sorted by id; `None` when there is no such agent.
    pub(crate) fn processes(&self, agent: &AgentId) -> Option<Vec<ProcessId>> {
        self.agents.get(agent).map(|p| p.keys().cloned().collect())
    }

    /// Finds a process of an agent.
    pub(crate) fn lookup(&self, agent: &AgentId, process: &ProcessId) -> Lookup {
        match self.agents.get(agent) {
            None => Lookup::NoAgent,
            Some(processes) => match processes.get(process) {
                None => Lookup::NoProcess,
                Some(status) => Lookup::Found(status.clone()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_tells_a_missing_agent_from_a_missing_process() {
        let mut c = Catalog::default();
        for (a, p, s) in Catalog::seeded() {
            c.insert(a.parse().unwrap(), p.parse().unwrap(), s);
        }
        let agent: AgentId = DEMO_AGENT.parse().unwrap();
        assert_eq!(
            c.lookup(&agent, &TIMES_OUT.parse().unwrap()),
            Lookup::Found(RunStatus::TimedOut)
        );
        assert_eq!(c.lookup(&agent, &"nope".parse().unwrap()), Lookup::NoProcess);
        assert_eq!(
            c.lookup(&"nobody".parse().unwrap(), &HELLO_WORLD.parse().unwrap()),
            Lookup::NoAgent
        );
    }
}
