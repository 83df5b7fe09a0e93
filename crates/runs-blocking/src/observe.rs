//! Watching a wait as it goes: a [`Wait`] that reports each new status it sees.

use std::time::Duration;

use runs_core::{Action, Error, Machine, Response, Run, RunStatus, TransportError, Wait};

/// A [`Wait`] that calls `on_status` whenever a poll sees a status other than the last one
/// reported (terminal statuses are the wait's output, not reported).
pub(crate) struct Observed<F> {
    pub(crate) wait: Wait,
    pub(crate) seen: Option<RunStatus>,
    pub(crate) on_status: F,
}

impl<F: FnMut(&RunStatus)> Machine for Observed<F> {
    type Output = Result<Run, Error>;

    fn poll(&mut self, now: Duration) -> Action<Self::Output> {
        let action = self.wait.poll(now);
        if let Some(status) = self.wait.last_status() {
            if self.seen.as_ref() != Some(status) {
                self.seen = Some(status.clone());
                (self.on_status)(status);
            }
        }
        action
    }

    fn handle_response(&mut self, now: Duration, response: Response<'_>) {
        self.wait.handle_response(now, response);
    }

    fn handle_failure(&mut self, now: Duration, error: TransportError) {
        self.wait.handle_failure(now, error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use runs_core::{Config, WaitPolicy, drive};

    #[test]
    fn each_status_change_before_the_end_is_reported_once() {
        let config = Config::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:1/v2")
            .build()
            .unwrap();
        let policy = WaitPolicy::default().initial_interval(Duration::from_millis(1));
        let mut statuses = ["Pending", "Pending", "Running", "Succeeded"].into_iter();
        let mut seen = Vec::new();
        let mut now = Duration::ZERO;
        let mut machine = Observed {
            wait: Wait::new(&config, "run-1".parse().unwrap(), policy, 0),
            seen: None,
            on_status: |s: &RunStatus| seen.push(s.to_string()),
        };
        let run = drive!(
            machine,
            now = now,
            send(_request, _timeout) => {
                let body = format!(
                    r#"{{"id":"run-1","name":"n","agent_id":"a","process_id":"p","stage":"Draft",
                    "status":"{}","created_at":"2021-01-01T12:00:00"}}"#,
                    statuses.next().unwrap()
                );
                Ok::<_, TransportError>(http::Response::builder().status(200).body(body.into_bytes()).unwrap())
            },
            sleep(delay) => now += delay,
        )
        .unwrap();
        assert_eq!(run.status, RunStatus::Succeeded);
        assert_eq!(seen, ["Pending", "Running"]);
    }
}
