//! Item 6: numbers in values come back digit for digit, through the library and the CLI.

use crate::clients::{Clients, builder, runs};
use crate::server::{Hostile, json, run_json};

const BIG: &str = "123456789012345678901234567890";
const PRECISE: &str = "0.1000000000000000055511151231257827";

fn server() -> Hostile {
    Hostile::start(|_, _| {
        let outputs = format!(
            r#","outputs":[{{"name":"big","value":{BIG}}},{{"name":"precise","value":{PRECISE}}},{{"name":"u64","value":18446744073709551617}}]"#
        );
        json(200, &run_json("r1", "Succeeded", &outputs))
    })
}

#[test]
fn large_numbers_in_outputs_are_exact_on_both_transports() {
    let server = server();
    let clients = Clients::of(builder(&server.base_url()));
    for (t, result) in clients.each(|t, c| (t, c.get_run(t, "r1"))) {
        let run = result.unwrap();
        assert_eq!(run.output("big").unwrap().to_string(), BIG, "{t:?}");
        assert_eq!(run.output("precise").unwrap().to_string(), PRECISE, "{t:?}");
        assert_eq!(
            run.output("u64").unwrap().to_string(),
            "18446744073709551617",
            "{t:?}"
        );
    }
}

#[test]
fn large_numbers_come_out_of_the_cli_exact_in_json_and_in_tables() {
    let server = server();
    let out = runs(&server.base_url(), &["--output", "json", "get", "r1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for digits in [BIG, PRECISE, "18446744073709551617"] {
        assert!(out.stdout.contains(digits), "{digits} in {}", out.stdout);
    }
    let out = runs(&server.base_url(), &["get", "r1"]);
    assert!(out.stdout.contains(BIG), "{}", out.stdout);
}

#[test]
fn large_numbers_given_to_the_cli_reach_the_server_exact() {
    let server = Hostile::start(|_, _| json(201, &run_json("r1", "Created", "")));
    let input = format!("n={BIG}");
    let args = [
        "start",
        "--agent-id",
        "a",
        "--process-id",
        "p",
        "--name",
        "n",
        "--stage",
        "Draft",
        "--input-json",
        &input,
    ];
    let out = runs(&server.base_url(), &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let request = &server.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("POST", "/v2/runs")
    );
    let body = String::from_utf8(request.body.clone()).unwrap();
    assert!(body.contains(&format!(r#""value":{BIG}"#)), "{body}");
}
