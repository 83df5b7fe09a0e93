//! The calls into runs-core, as firmware makes them: a run and a page decoded and measured;
//! with the `start` feature also a `Config` and a start request built; with `machines` also a
//! get driven through the retry machine over a scripted answer, and the next page's request
//! built from the page's token.

use alloc::format;
use alloc::string::String;

use runs_core::transport::{GetRun, ListPage, Operation, Response, Secrets};

use crate::{heap, out};

/// No response headers: the decoders read none from a `200`.
const NO_HEADERS: [(&str, &str); 0] = [];

pub fn all(run: &[u8], page: &[u8]) -> Result<(), String> {
    // The decodes, measured: the most heap held at once, the output included.
    let (decoded, cost) = heap::measure(|| GetRun::decode(response(run), &Secrets::default()));
    let decoded = decoded.map_err(|e| format!("run: {e}"))?;
    if decoded.id.as_str() != "b4fznghynbdemslfd5k000001" {
        return Err(format!("the run decoded wrong: {}", decoded.id.as_str()));
    }
    out!("run_peak_heap={}", cost.peak);
    out!("run_allocations={}", cost.allocations);

    let (decoded, cost) = heap::measure(|| ListPage::decode(response(page), &Secrets::default()));
    let decoded = decoded.map_err(|e| format!("page: {e}"))?;
    if decoded.items().len() != 100 {
        return Err(format!("the page decoded wrong: {} runs", decoded.items().len()));
    }
    out!("page_peak_heap={}", cost.peak);
    out!("page_allocations={}", cost.allocations);

    #[cfg(feature = "start")]
    {
        let config = requests::start()?;
        #[cfg(feature = "machines")]
        requests::machines(&config, run, decoded.continuation_token.as_deref())?;
        let _ = config;
    }
    Ok(())
}

fn response(body: &[u8]) -> Response<'_> {
    Response {
        status: 200,
        headers: &NO_HEADERS,
        body,
    }
}

#[cfg(feature = "start")]
mod requests {
    use alloc::format;
    use alloc::string::String;

    use runs_core::transport::{Method, Operation, PostRun};
    use runs_core::{Config, ProcessStage, StartRun};

    use crate::out;

    /// A `Config` and the start request it gives, as a transport would send it.
    pub fn start() -> Result<Config, String> {
        let config = Config::builder()
            .api_key("sk-firmware-example")
            .base_url("https://api.example.invalid/v2")
            .build()
            .map_err(|e| format!("config: {e}"))?;
        let start = StartRun::builder()
            .agent_id("agent-7f3k2m9q")
            .process_id("invoice-ocr-v2")
            .name("firmware run")
            .stage(ProcessStage::Published)
            .input("month", "2026-03")
            .build()
            .map_err(|e| format!("start: {e}"))?;
        let request = PostRun(start).request(&config);
        if request.method() != Method::Post || !request.body().starts_with(b"{") {
            return Err("the start request is not a POST of JSON".into());
        }
        out!("start_request_bytes={}", request.body().len());
        Ok(config)
    }

    /// A get driven through the retry machine over `run` (the body it is answered with), and
    /// the next page's request from `token` (the decoded page's).
    #[cfg(feature = "machines")]
    pub fn machines(config: &Config, run: &[u8], token: Option<&str>) -> Result<(), String> {
        use core::time::Duration;

        use runs_core::ListRuns;
        use runs_core::transport::{Action, Call, GetRun, ListPage, Machine};

        use super::response;

        /// Jitter's seed: firmware takes one from its RNG; a constant is enough for one request.
        const SEED: u64 = 0x5eed;

        // A get through the machine: the scripted answer decoded into the call's output.
        let mut get = Call::new(config, GetRun(id_of("b4fznghynbdemslfd5k000001")?), SEED);
        if !matches!(get.poll(Duration::ZERO), Action::Send { .. }) {
            return Err("a get's first step is not a send".into());
        }
        get.handle_response(Duration::from_millis(5), response(run));
        let Action::Done(Ok(got)) = get.poll(Duration::from_millis(5)) else {
            return Err("the get did not end with its run".into());
        };
        if got.id.as_str() != "b4fznghynbdemslfd5k000001" {
            return Err(format!("the get's run: {}", got.id.as_str()));
        }

        // The next page's request: the token percent-encoded into the query.
        let query = ListRuns::new(id_of("agent-7f3k2m9q")?, id_of("invoice-ocr-v2")?)
            .with_limit(100)
            .map_err(|e| format!("limit: {e}"))?
            .with_continuation_token(token.unwrap_or_default());
        let Action::Send { request, .. } = Call::new(config, ListPage(query), SEED).poll(Duration::ZERO)
        else {
            return Err("a page's first step is not a send".into());
        };
        if !request
            .url()
            .ends_with("continuation_token=eyJvZmZzZXQiOjEwMH0%3D")
        {
            return Err(format!("the next page's URL: {}", request.url()));
        }
        Ok(())
    }

    #[cfg(feature = "machines")]
    fn id_of<T: core::str::FromStr<Err: core::fmt::Display>>(text: &str) -> Result<T, String> {
        text.parse().map_err(|e| format!("{text}: {e}"))
    }
}
