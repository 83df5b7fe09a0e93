//! runs-core's own costs: decoding against the plain-serde floor, encoding a start request,
//! and one step of the paginator and retry machines.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use runs_benches::fixture;
use runs_benches::plain::{PlainPage, PlainRun};
use runs_core::transport::{
    Action, Call, GetRun, ListPage, Machine, Operation, Paginator, PostRun, Response, Secrets, Step,
};
use runs_core::{Config, ListRuns, ProcessStage, RunPage, StartRun};

fn decode(c: &mut Criterion) {
    let page = fixture::page_json(100);
    let run = fixture::run_json(7);
    let headers: [(&str, &str); 0] = [];
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Bytes(page.len() as u64));
    g.bench_function("page_100/runs-core", |b| {
        b.iter(|| {
            ListPage::decode(
                Response {
                    status: 200,
                    headers: &headers,
                    body: black_box(page.as_bytes()),
                },
                &Secrets::default(),
            )
        })
    });
    g.bench_function("page_100/plain-serde", |b| {
        b.iter(|| serde_json::from_slice::<PlainPage>(black_box(page.as_bytes())))
    });
    g.throughput(Throughput::Bytes(run.len() as u64));
    g.bench_function("run/runs-core", |b| {
        b.iter(|| {
            GetRun::decode(
                Response {
                    status: 200,
                    headers: &headers,
                    body: black_box(run.as_bytes()),
                },
                &Secrets::default(),
            )
        })
    });
    g.bench_function("run/plain-serde", |b| {
        b.iter(|| serde_json::from_slice::<PlainRun>(black_box(run.as_bytes())))
    });
    g.finish();
}

fn config() -> Config {
    Config::builder()
        .api_key("sk-bench")
        .base_url("http://127.0.0.1:8080/v2")
        .build()
        .expect("valid config")
}

fn encode(c: &mut Criterion) {
    let config = config();
    let start = StartRun::builder()
        .agent_id("agent-7f3k2m9q")
        .process_id("invoice-ocr-v2")
        .name("Invoice batch for March")
        .stage(ProcessStage::Published)
        .input("month", "2026-03")
        .input("threshold", 1000)
        .file_id("s3://uploads/acme/invoices.zip")
        .build()
        .expect("valid request");
    let start = PostRun(start);
    let mut g = c.benchmark_group("encode");
    g.bench_function("start_run/build_and_validate", |b| {
        b.iter(|| {
            StartRun::builder()
                .agent_id(black_box("agent-7f3k2m9q"))
                .process_id("invoice-ocr-v2")
                .name("Invoice batch for March")
                .stage(ProcessStage::Published)
                .input("month", "2026-03")
                .input("threshold", 1000)
                .file_id("s3://uploads/acme/invoices.zip")
                .build()
        })
    });
    g.bench_function("start_run/request", |b| {
        b.iter(|| black_box(&start).request(&config))
    });
    g.finish();
}

fn machines(c: &mut Criterion) {
    let config = config();
    let page: RunPage = serde_json::from_str(&fixture::page_json(100)).expect("valid page");
    let run_body = fixture::run_json(1);
    let headers: [(&str, &str); 0] = [];
    let mut g = c.benchmark_group("machines");
    g.throughput(Throughput::Elements(100));
    g.bench_function("paginator/page_of_100_items", |b| {
        let query = ListRuns::new("a".parse().expect("id"), "p".parse().expect("id"));
        b.iter_batched(
            || (Paginator::new(query.clone(), None), page.clone()),
            |(mut p, page)| {
                let _ = p.poll();
                p.handle_page(page).expect("fresh token");
                let mut n = 0;
                while let Step::Item(run) = p.poll() {
                    black_box(run);
                    n += 1;
                }
                n
            },
            BatchSize::SmallInput,
        )
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("call/get_run_one_attempt", |b| {
        b.iter(|| {
            let mut call = Call::new(
                &config,
                GetRun("b4fznghynbdemslfd5k000001".parse().expect("id")),
                1,
            );
            let Action::Send { request, .. } = call.poll(Duration::ZERO) else {
                unreachable!()
            };
            black_box(request);
            call.handle_response(
                Duration::ZERO,
                Response {
                    status: 200,
                    headers: &headers,
                    body: run_body.as_bytes(),
                },
            );
            call.poll(Duration::ZERO)
        })
    });
    g.bench_function("call/retry_503_then_200", |b| {
        let busy: [(&str, &str); 1] = [("retry-after", "0")];
        b.iter(|| {
            let mut call = Call::new(
                &config,
                GetRun("b4fznghynbdemslfd5k000001".parse().expect("id")),
                1,
            );
            let _ = call.poll(Duration::ZERO);
            call.handle_response(
                Duration::ZERO,
                Response {
                    status: 503,
                    headers: &busy,
                    body: b"",
                },
            );
            let _ = call.poll(Duration::ZERO);
            call.handle_response(
                Duration::ZERO,
                Response {
                    status: 200,
                    headers: &headers,
                    body: run_body.as_bytes(),
                },
            );
            call.poll(Duration::ZERO)
        })
    });
    g.finish();
}

criterion_group!(benches, decode, encode, machines);
criterion_main!(benches);
