//! The same minimal program as `minimal-runs`, written by hand on `reqwest::blocking` and
//! serde, as a user might without the SDK. Built only to be measured.

use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct Start<'a> {
    agent_id: &'a str,
    process_id: &'a str,
    name: &'a str,
    stage: &'a str,
}

#[derive(Deserialize)]
struct Run {
    id: String,
    status: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = std::env::var("RUNS_API_KEY")?;
    let base =
        std::env::var("RUNS_BASE_URL").unwrap_or_else(|_| "https://rest-api.app.kognitos.com/v2".into());
    let client = reqwest::blocking::Client::new();
    let start = Start {
        agent_id: "demo-agent",
        process_id: "hello-world",
        name: "size check",
        stage: "Published",
    };
    let run: Run = client
        .post(format!("{base}/runs"))
        .header("x-api-key", &key)
        .json(&start)
        .send()?
        .error_for_status()?
        .json()?;
    let run: Run = client
        .get(format!("{base}/runs/{}", run.id))
        .header("x-api-key", &key)
        .send()?
        .error_for_status()?
        .json()?;
    println!("{} {}", run.id, run.status);
    Ok(())
}
