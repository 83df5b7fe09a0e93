//! Outputs whose numbers no `f64` holds come back digit for digit, on both transports and
//! from `runs get --output json`.

use crate::clients::{Clients, Transport, builder, runs};
use crate::server::{ScriptedServer, json, run_json};

const BIG: &str = "123456789012345678901234567890";
const NEGATIVE: &str = "-98765432109876543210987654321";
const PI: &str = "3.14159265358979323846264338327950288";

fn server() -> ScriptedServer {
    let outputs = format!(
        r#","outputs":[{{"name":"x","value":{BIG}}},{{"name":"y","value":{NEGATIVE}}},{{"name":"z","value":{PI}}},{{"name":"all","value":[{BIG}, {NEGATIVE}, {PI}]}}]"#
    );
    ScriptedServer::start(move |_, _| json(200, &run_json("r1", "Succeeded", &outputs)))
}

#[test]
fn long_numbers_in_outputs_reach_the_caller_exactly_on_both_transports() {
    let server = server();
    let clients = Clients::of(builder(&server.base_url()));
    let seen = clients.each(|t, c| {
        let run = c.get_run(t, "r1").unwrap();
        let text = |name: &str| run.output(name).map(|v| v.as_str().to_string());
        (
            t,
            [text("x"), text("y"), text("z"), text("all")],
            run.output_as::<u128>("x").unwrap(),
            run.output_as::<i128>("y").unwrap(),
        )
    });
    let all = format!("[{BIG}, {NEGATIVE}, {PI}]");
    for transport in [Transport::Blocking, Transport::Async] {
        assert!(
            seen.contains(&(
                transport,
                [
                    Some(BIG.into()),
                    Some(NEGATIVE.into()),
                    Some(PI.into()),
                    Some(all.clone())
                ],
                123_456_789_012_345_678_901_234_567_890,
                -98_765_432_109_876_543_210_987_654_321,
            )),
            "{transport:?}: {seen:?}"
        );
    }
}

#[test]
fn runs_get_prints_long_numbers_exactly_as_json() {
    let server = server();
    let out = runs(&server.base_url(), &["--output", "json", "get", "r1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for (name, value) in [("x", BIG), ("y", NEGATIVE), ("z", PI)] {
        let expected = format!("\"name\": \"{name}\",\n      \"value\": {value}\n");
        assert!(out.stdout.contains(&expected), "{expected:?} in\n{}", out.stdout);
    }
    let all = format!("\"value\": [\n        {BIG},\n        {NEGATIVE},\n        {PI}\n      ]");
    assert!(out.stdout.contains(&all), "{all:?} in\n{}", out.stdout);
    // And the table shows them as sent, compact.
    let table = runs(&server.base_url(), &["get", "r1"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(
        table.stdout.contains(&format!("  x    {BIG}\n")),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .contains(&format!("  all  [{BIG},{NEGATIVE},{PI}]\n")),
        "{}",
        table.stdout
    );
}
