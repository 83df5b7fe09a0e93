//! The SDK side by side with the raw transports and with what users write by hand.
//!
//! `cargo build --release -p runs-benches --bins && target/release/compare` (or `cargo run
//! --release -p runs-benches --bin compare`). A fixed-bytes server runs in a child process;
//! every client talks to it over keep-alive HTTP/1.1 on loopback. Measurements of different
//! clients are interleaved round by round so drift on a noisy machine hits them alike, and
//! the table shows medians and ratios against the raw baseline measured in the same run.
//! Instructions per request are counted by callgrind, each client in a process of its own
//! (`--only instructions`; needs valgrind).

use std::alloc::System;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Empty};
use runs_benches::measure::{latencies, median, median_f64, peak_rss_kib, percentile};
use runs_benches::plain::PlainRun;
use runs_core::{ListRuns, RunId};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const KEY: &str = "sk-bench-key";
const RUN_ID: &str = "b4fznghynbdemslfd5k000001";
const PAGED_RUNS: usize = 100_000;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        if let Err(e) = rt.block_on(runs_benches::fixed_server::serve(PAGED_RUNS)) {
            eprintln!("server failed: {e}");
        }
        return;
    }
    if args.get(1).map(String::as_str) == Some("--serve-emulator") {
        serve_emulator();
        return;
    }
    if let (Some("--calls"), Some(client), Some(n), Some(base)) = (
        args.get(1).map(String::as_str),
        args.get(2),
        args.get(3),
        args.get(4),
    ) {
        calls(client, n.parse().expect("a number of calls"), base);
        return;
    }
    if let (Some("--cli-list"), Some(format), Some(max), Some(base)) = (
        args.get(1).map(String::as_str),
        args.get(2),
        args.get(3),
        args.get(4),
    ) {
        cli_list(format, max, base);
        return;
    }
    if let (Some("--page"), Some(mode), Some(base)) =
        (args.get(1).map(String::as_str), args.get(2), args.get(3))
    {
        page(mode, base);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let (mut child, addr) = spawn_server();
    let base = format!("http://{addr}/v2");
    println!("# Runs SDK comparison\n");
    println!(
        "server: fixed bytes in a child process at {addr}; {}\n",
        machine()
    );
    let scale = if quick { 10 } else { 1 };
    // `--only NAME` runs one section, for profiling it alone.
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str);
    let wanted = |name: &str| only.is_none_or(|o| o == name);
    if wanted("async") {
        async_section(&base, scale);
    }
    if wanted("blocking") {
        blocking_section(&base, scale);
    }
    if wanted("instructions") {
        instructions_section(&base, scale);
    }
    if wanted("memory") {
        eprintln!("creating {PAGED_RUNS} runs in an emulator for the memory section...");
        let (mut emulator, addr) = spawn_child("--serve-emulator");
        memory_section(&format!("http://{addr}/v2"));
        let _ = emulator.kill();
        let _ = emulator.wait();
    }
    if wanted("size") {
        size_section();
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name\t: ").map(String::from))
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    format!("{cores} cores, {cpu}")
}

/// An emulator holding `PAGED_RUNS` runs of one process, created through its API; serves
/// until the parent closes this process's stdin.
fn serve_emulator() {
    let emulator = runs_emulator::Emulator::builder()
        .api_key(KEY)
        .schedule(runs_emulator::Schedule::Instant)
        .worker_threads(2)
        .start()
        .expect("emulator");
    let start = runs_core::StartRun::builder()
        .agent_id(runs_emulator::DEMO_AGENT)
        .process_id(runs_emulator::HELLO_WORLD)
        .name("paging benchmark")
        .stage(runs_core::ProcessStage::Published)
        .input("batch", 7)
        .build()
        .expect("valid request");
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let client = runs_blocking::Client::builder()
                    .api_key(KEY)
                    .base_url(emulator.base_url())
                    .build()
                    .expect("client");
                for _ in 0..PAGED_RUNS / 4 {
                    client.start_run(&start).expect("start a run");
                }
            });
        }
    });
    println!("listening on {}", emulator.addr());
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
}

fn spawn_server() -> (Child, String) {
    spawn_child("--serve")
}

fn spawn_child(mode: &str) -> (Child, String) {
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe)
        .arg(mode)
        .stdout(Stdio::piped())
        .stdin(Stdio::piped())
        .spawn()
        .expect("start the server process");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut line)
        .expect("server address");
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .expect("server announces its address")
        .to_string();
    (child, addr)
}

// ---------------------------------------------------------------------------------------------
// async

#[derive(Clone)]
enum AsyncClient {
    Sdk(runs_async::Client, RunId),
    Hyper(
        hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, Empty<Bytes>>,
        hyper::Uri,
    ),
    Reqwest(reqwest::Client, String),
}

impl AsyncClient {
    fn name(&self) -> &'static str {
        match self {
            AsyncClient::Sdk(..) => "runs-async get_run",
            AsyncClient::Hyper(..) => "raw hyper-util + serde_json",
            AsyncClient::Reqwest(..) => "reqwest + serde_json",
        }
    }

    async fn get(&self) {
        match self {
            AsyncClient::Sdk(c, id) => {
                c.get_run(id).await.expect("runs-async get_run");
            }
            AsyncClient::Hyper(c, uri) => {
                let req = hyper::Request::get(uri.clone())
                    .header("x-api-key", KEY)
                    .header("accept", "application/json")
                    .body(Empty::new())
                    .expect("request");
                let resp = c.request(req).await.expect("hyper request");
                assert!(resp.status().is_success());
                let body = resp.into_body().collect().await.expect("body").to_bytes();
                serde_json::from_slice::<PlainRun>(&body).expect("run");
            }
            AsyncClient::Reqwest(c, url) => {
                let body = c
                    .get(url)
                    .header("x-api-key", KEY)
                    .header("accept", "application/json")
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .expect("reqwest request")
                    .bytes()
                    .await
                    .expect("body");
                serde_json::from_slice::<PlainRun>(&body).expect("run");
            }
        }
    }
}

fn async_clients(base: &str) -> Vec<AsyncClient> {
    let sdk = runs_async::Client::builder()
        .api_key(KEY)
        .base_url(base)
        .build()
        .expect("runs-async client");
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build(hyper_util::client::legacy::connect::HttpConnector::new());
    let reqwest = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("reqwest client");
    let url = format!("{base}/runs/{RUN_ID}");
    vec![
        AsyncClient::Hyper(hyper, url.parse().expect("uri")),
        AsyncClient::Sdk(sdk, RUN_ID.parse().expect("id")),
        AsyncClient::Reqwest(reqwest, url),
    ]
}

fn async_section(base: &str, scale: usize) {
    let rounds = 15;
    let seq_per_round = 200 / scale;
    let concurrent_total = 6_400 / scale;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let clients = async_clients(base);
    let mut seq: Vec<Vec<Duration>> = vec![Vec::new(); clients.len()];
    let mut tput: Vec<Vec<f64>> = vec![Vec::new(); clients.len()];
    rt.block_on(async {
        for c in &clients {
            for _ in 0..200 {
                c.get().await;
            }
        }
        for round in 0..rounds {
            // The order rotates each round, so no client always runs first or right after
            // another one.
            for k in 0..clients.len() {
                let i = (round + k) % clients.len();
                let c = &clients[i];
                for _ in 0..seq_per_round {
                    let start = Instant::now();
                    c.get().await;
                    seq[i].push(start.elapsed());
                }
                tput[i].push(throughput(c, 64, concurrent_total).await);
            }
        }
    });
    let allocs: Vec<f64> = clients.iter().map(|c| async_allocs(c, 1000 / scale)).collect();
    println!("## async: get_run over keep-alive HTTP/1.1 (tokio, 2 worker threads)\n");
    println!(
        "| client | median latency | p99 latency | throughput at 64 concurrent (median of {rounds} rounds) | vs raw (median of per-round ratios) | allocations per request |"
    );
    println!("|---|---|---|---|---|---|");
    for (i, c) in clients.iter().enumerate() {
        let mut ratios = paired_ratios(&tput[i], &tput[0]);
        let t = median_f64(&mut tput[i]);
        println!(
            "| {} | {:.1} µs | {:.1} µs | {:.0} req/s | {:.3} | {:.1} |",
            c.name(),
            micros(median(&mut seq[i])),
            micros(percentile(&mut seq[i], 99.0)),
            t,
            median_f64(&mut ratios),
            allocs[i]
        );
    }
    println!();
}

async fn throughput(c: &AsyncClient, concurrency: usize, total: usize) -> f64 {
    let per_task = total / concurrency;
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    c.get().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    (per_task * concurrency) as f64 / start.elapsed().as_secs_f64()
}

fn async_allocs(c: &AsyncClient, n: usize) -> f64 {
    // One thread, so the count is this client's work and nothing else's.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        for _ in 0..50 {
            c.get().await;
        }
        let region = Region::new(GLOBAL);
        for _ in 0..n {
            c.get().await;
        }
        region.change().allocations as f64 / n as f64
    })
}

// ---------------------------------------------------------------------------------------------
// blocking

/// The two blocking clients: runs-blocking, and raw ureq with serde_json.
struct BlockingClients {
    sdk: runs_blocking::Client,
    id: RunId,
    agent: ureq::Agent,
    url: String,
}

impl BlockingClients {
    fn new(base: &str) -> Self {
        Self {
            sdk: runs_blocking::Client::builder()
                .api_key(KEY)
                .base_url(base)
                .build()
                .expect("runs-blocking client"),
            id: RUN_ID.parse().expect("id"),
            agent: ureq::Agent::config_builder().build().into(),
            url: format!("{base}/runs/{RUN_ID}"),
        }
    }

    fn raw(&self) {
        let mut resp = self
            .agent
            .get(&self.url)
            .header("x-api-key", KEY)
            .header("accept", "application/json")
            .call()
            .expect("ureq request");
        let body = resp.body_mut().read_to_vec().expect("body");
        serde_json::from_slice::<PlainRun>(&body).expect("run");
    }

    fn sdk(&self) {
        self.sdk.get_run(&self.id).expect("runs-blocking get_run");
    }
}

fn blocking_section(base: &str, scale: usize) {
    let clients = BlockingClients::new(base);
    let raw = || clients.raw();
    let sdk_get = || clients.sdk();
    let rounds = 15;
    let per_round = 400 / scale;
    let (mut raw_lat, mut sdk_lat) = (Vec::new(), Vec::new());
    let (mut raw_tput, mut sdk_tput) = (Vec::new(), Vec::new());
    latencies(200, raw);
    latencies(200, sdk_get);
    for round in 0..rounds {
        // Alternate which client goes first, so neither always follows the other.
        for k in 0..2 {
            if (round + k) % 2 == 0 {
                let l = latencies(per_round, raw);
                raw_tput.push(per_round as f64 / l.iter().sum::<Duration>().as_secs_f64());
                raw_lat.extend(l);
            } else {
                let l = latencies(per_round, sdk_get);
                sdk_tput.push(per_round as f64 / l.iter().sum::<Duration>().as_secs_f64());
                sdk_lat.extend(l);
            }
        }
    }
    let count = |f: &dyn Fn()| {
        let region = Region::new(GLOBAL);
        for _ in 0..per_round {
            f();
        }
        region.change().allocations as f64 / per_round as f64
    };
    let (raw_allocs, sdk_allocs) = (count(&raw), count(&sdk_get));
    let raw_rounds = raw_tput.clone();
    println!("## blocking: get_run over keep-alive HTTP/1.1, one thread\n");
    println!(
        "| client | median latency | p99 latency | sequential throughput (median of {rounds} rounds) | vs raw (median of per-round ratios) | allocations per request |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, lat, tput, allocs) in [
        ("raw ureq + serde_json", &mut raw_lat, &mut raw_tput, raw_allocs),
        ("runs-blocking get_run", &mut sdk_lat, &mut sdk_tput, sdk_allocs),
    ] {
        let mut ratios = paired_ratios(tput, &raw_rounds);
        let t = median_f64(tput);
        println!(
            "| {name} | {:.1} µs | {:.1} µs | {t:.0} req/s | {:.3} | {allocs:.1} |",
            micros(median(lat)),
            micros(percentile(lat, 99.0)),
            median_f64(&mut ratios)
        );
    }
    println!();
}

// ---------------------------------------------------------------------------------------------
// instructions

/// The clients whose instructions are counted, as `--calls` names them, with their table
/// names and the baseline each is compared with.
const COUNTED: [(&str, &str, &str); 4] = [
    ("raw-hyper", "raw hyper-util + serde_json", "raw-hyper"),
    ("runs-async", "runs-async get_run", "raw-hyper"),
    ("raw-ureq", "raw ureq + serde_json", "raw-ureq"),
    ("runs-blocking", "runs-blocking get_run", "raw-ureq"),
];

/// Instructions per request on the client side, counted by callgrind: each client runs in a
/// child process of its own under `valgrind --tool=callgrind`, making `n` sequential calls
/// after a warm-up; collection is on only inside [`measured`], so process start, client
/// construction, the first connection and the warm-up are not counted. The server is this
/// program's other child, outside valgrind. Counts repeat to within a fraction of a percent
/// where timings drift by tens.
fn instructions_section(base: &str, scale: usize) {
    let n = 2_000 / scale;
    println!("## instructions: get_run over keep-alive HTTP/1.1, client side, callgrind\n");
    if Command::new("valgrind").arg("--version").output().is_err() {
        println!("(valgrind is not installed: no instruction counts)\n");
        return;
    }
    let dir = std::env::temp_dir().join("runs-compare-callgrind");
    let _ = std::fs::create_dir_all(&dir);
    let counts: Vec<Option<f64>> = COUNTED
        .iter()
        .map(|(client, ..)| count_instructions(client, n, base, &dir))
        .collect();
    println!(
        "Each client in its own process under callgrind: {n} sequential calls after 100 of \
         warm-up, counted inside the calls only (`--collect-atstart=no \
         --toggle-collect`). Profiles: `callgrind_annotate {}/CLIENT.out`.\n",
        dir.display()
    );
    println!("| client | instructions per request | vs raw |");
    println!("|---|---|---|");
    for (i, (_, name, baseline)) in COUNTED.iter().enumerate() {
        let raw = COUNTED
            .iter()
            .position(|(c, ..)| c == baseline)
            .and_then(|b| counts[b]);
        match (counts[i], raw) {
            (Some(count), Some(raw)) => {
                println!("| {name} | {count:.0} | {:.3} |", count / raw)
            }
            _ => println!("| {name} | failed (see stderr) | |"),
        }
    }
    println!();
}

/// Runs `compare --calls CLIENT N BASE` under callgrind and returns its instructions per call.
fn count_instructions(client: &str, n: usize, base: &str, dir: &Path) -> Option<f64> {
    let out = dir.join(format!("{client}.out"));
    let exe = std::env::current_exe().ok()?;
    let run = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg("--collect-atstart=no")
        // Rust symbols are demangled before matching: `compare::measured`.
        .arg("--toggle-collect=compare::measured*")
        .arg(exe)
        .args(["--calls", client, &n.to_string(), base])
        .output()
        .ok()?;
    if !run.status.success() {
        eprintln!(
            "callgrind run of {client} failed:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
        return None;
    }
    let profile = std::fs::read_to_string(&out).ok()?;
    // The `summary:` (or `totals:`) line is the instructions collected.
    let total: f64 = profile
        .lines()
        .find_map(|l| l.strip_prefix("summary:").or_else(|| l.strip_prefix("totals:")))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())?;
    Some(total / n as f64)
}

/// In a child process, under callgrind: 100 calls of `client` to warm up, then `n` inside
/// [`measured`], the only code whose instructions are collected.
fn calls(client: &str, n: usize, base: &str) {
    match client {
        "raw-hyper" | "runs-async" => {
            // One thread: the client's tasks (hyper's connection too) all run inside
            // `block_on`, so inside `measured`.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            let clients = rt.block_on(async { async_clients(base) });
            // `async_clients` lists raw hyper-util first, runs-async second.
            let c = &clients[usize::from(client == "runs-async")];
            rt.block_on(async {
                for _ in 0..100 {
                    c.get().await;
                }
            });
            measured(&mut || {
                rt.block_on(async {
                    for _ in 0..n {
                        c.get().await;
                    }
                })
            });
        }
        "raw-ureq" | "runs-blocking" => {
            let clients = BlockingClients::new(base);
            let call = || {
                if client == "raw-ureq" {
                    clients.raw()
                } else {
                    clients.sdk()
                }
            };
            for _ in 0..100 {
                call();
            }
            measured(&mut || {
                for _ in 0..n {
                    call();
                }
            });
        }
        other => panic!("no client named {other}"),
    }
}

/// The counted region: callgrind collects inside this function only.
#[inline(never)]
fn measured(work: &mut dyn FnMut()) {
    work();
}

// ---------------------------------------------------------------------------------------------
// memory

fn memory_section(base: &str) {
    let warm = PAGED_RUNS / 10;
    println!("## memory: iterating {PAGED_RUNS} runs, 100 per page, from runs-emulator in a child process\n");
    println!("Each paginator runs in a fresh process of its own, so its peak RSS is its own.\n");
    println!("| paginator | runs | peak RSS after {warm} runs | peak RSS after all | growth |");
    println!("|---|---|---|---|---|");
    for (name, mode) in [
        ("runs-blocking iterator", "blocking"),
        ("runs-async Stream", "async"),
    ] {
        let exe = std::env::current_exe().expect("own path");
        let out = Command::new(exe)
            .args(["--page", mode, base])
            .output()
            .expect("paging process");
        let text = String::from_utf8_lossy(&out.stdout);
        let v: Vec<u64> = text.split_whitespace().filter_map(|w| w.parse().ok()).collect();
        if let [n, after_warm, end] = v[..] {
            println!(
                "| {name} | {n} | {after_warm} KiB | {end} KiB | {} KiB |",
                end.saturating_sub(after_warm)
            );
        } else {
            println!(
                "| {name} | failed: {} | | | |",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
    }
    cli_rows(base, warm);
    println!();
}

/// The `runs` CLI's rows: `runs list --all` streams each page's runs to stdout as it arrives,
/// so its peak RSS should not grow with the listing (issue 22). Each format is listed twice,
/// `--max-items` a tenth and then everything, each in a fresh process.
fn cli_rows(base: &str, warm: usize) {
    let exe = std::env::current_exe().expect("own path");
    if !exe.with_file_name("runs").exists() {
        println!("\n(the `runs` rows need the CLI: cargo build --release -p runs-cli)");
        return;
    }
    for format in ["jsonl", "csv"] {
        let peak = |max: usize| {
            let out = Command::new(&exe)
                .args(["--cli-list", format, &max.to_string(), base])
                .output()
                .expect("cli process");
            let text = String::from_utf8_lossy(&out.stdout);
            let v: Vec<u64> = text.split_whitespace().filter_map(|w| w.parse().ok()).collect();
            match v[..] {
                [lines, kib] => Ok((lines, kib)),
                _ => Err(String::from_utf8_lossy(&out.stderr).trim().to_owned()),
            }
        };
        match (peak(warm), peak(PAGED_RUNS)) {
            (Ok((_, after_warm)), Ok((lines, end))) => println!(
                "| `runs list --output {format}`, `--max-items {warm}` then `--all` ({lines} lines) | {PAGED_RUNS} | {after_warm} KiB | {end} KiB | {} KiB |",
                end.saturating_sub(after_warm)
            ),
            (a, b) => println!("| `runs list --output {format}` | failed: {a:?} {b:?} | | | |"),
        }
    }
}

/// In a child process: runs `runs list` over the first `max` runs at `base` in `format` (all
/// of them with `--all` when `max` is all there are),
/// counts the lines it writes, and prints them with the CLI's peak RSS (the only child this
/// process waits for, so `RUSAGE_CHILDREN` is its own).
fn cli_list(format: &str, max: &str, base: &str) {
    let exe = std::env::current_exe().expect("own path").with_file_name("runs");
    let mut child = Command::new(exe)
        .args(["list", "--agent-id", runs_emulator::DEMO_AGENT, "--process-id"])
        .args([runs_emulator::HELLO_WORLD, "--limit", "100"])
        .args(if max == PAGED_RUNS.to_string() {
            vec!["--all"]
        } else {
            vec!["--max-items", max]
        })
        .args(["--output", format, "--base-url", base])
        .env("RUNS_API_KEY", KEY)
        .env("RUNS_CONFIG", "/nonexistent/runs-bench-config.toml")
        .stdout(Stdio::piped())
        .spawn()
        .expect("runs list");
    let stdout = child.stdout.take().expect("piped");
    let lines = BufReader::new(stdout).lines().map_while(Result::ok).count();
    let status = child.wait().expect("wait");
    assert!(status.success(), "runs list: {status}");
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    // Linux reports ru_maxrss in KiB.
    println!("{lines} {}", usage.max_rss());
}

/// In a child process: pages through every run at `base` with one paginator and prints the
/// count, the peak RSS after a tenth of them, and the peak RSS at the end.
fn page(mode: &str, base: &str) {
    let query = ListRuns::new(
        runs_emulator::DEMO_AGENT.parse().expect("id"),
        runs_emulator::HELLO_WORLD.parse().expect("id"),
    )
    .with_limit(100)
    .expect("limit");
    let warm = PAGED_RUNS / 10;
    let mut n = 0usize;
    let mut after_warm = 0;
    let mut count = |run: Result<runs_core::Run, runs_core::Error>| {
        run.expect("run");
        n += 1;
        if n == warm {
            after_warm = peak_rss_kib().unwrap_or(0);
        }
    };
    if mode == "blocking" {
        let client = runs_blocking::Client::builder()
            .api_key(KEY)
            .base_url(base)
            .build()
            .expect("client");
        client.runs(&query).for_each(&mut count);
    } else {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let client = runs_async::Client::builder()
                .api_key(KEY)
                .base_url(base)
                .build()
                .expect("client");
            let mut stream = client.runs(&query);
            while let Some(run) = stream.next().await {
                count(run);
            }
        });
    }
    println!("{n} {after_warm} {}", peak_rss_kib().unwrap_or(0));
}

// ---------------------------------------------------------------------------------------------
// size

fn size_section() {
    let dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf));
    let Some(dir) = dir else { return };
    println!("## size: stripped release binary of a minimal blocking program (start a run, get it)\n");
    let sizes: Vec<(&str, Option<u64>)> = ["minimal-runs", "minimal-reqwest"]
        .into_iter()
        .map(|name| (name, stripped_size(&dir.join(name))))
        .collect();
    if sizes.iter().any(|(_, s)| s.is_none()) {
        println!("(build them first: cargo build --release -p runs-benches --bins)\n");
        return;
    }
    println!("| program | stripped size | vs reqwest |");
    println!("|---|---|---|");
    let reqwest = sizes[1].1.unwrap_or(1) as f64;
    for (name, size) in sizes {
        let size = size.unwrap_or(0);
        println!(
            "| {name} | {:.2} MiB | {:.2} |",
            size as f64 / 1048576.0,
            size as f64 / reqwest
        );
    }
    println!();
}

fn stripped_size(path: &Path) -> Option<u64> {
    if !path.exists() {
        return None;
    }
    let copy = std::env::temp_dir().join(format!(
        "{}-stripped-{}",
        path.file_name()?.to_string_lossy(),
        std::process::id()
    ));
    std::fs::copy(path, &copy).ok()?;
    let stripped = Command::new("strip")
        .arg(&copy)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let size = std::fs::metadata(&copy).ok()?.len();
    let _ = std::fs::remove_file(&copy);
    stripped.then_some(size)
}

/// Each round's value over the baseline's in the same round: drift on a noisy machine hits
/// both sides of a ratio alike.
fn paired_ratios(values: &[f64], baseline: &[f64]) -> Vec<f64> {
    values.iter().zip(baseline).map(|(v, b)| v / b).collect()
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
