//! Item 2: text from the server reaches the terminal escaped, and a suggested command quoted.

use crate::clients::runs;
use crate::server::{ScriptedServer, json, run_json};

/// An escape sequence that sets the terminal's title, then a second command for a shell.
const TOKEN: &str = "\u{1b}]0;pwned\u{7}; rm -rf ~ #";

#[test]
fn the_next_page_hint_quotes_and_escapes_the_token() {
    let page = format!(
        r#"{{"items":[{}],"continuation_token":{}}}"#,
        run_json("r1", "Running", ""),
        serde_json::to_string(TOKEN).unwrap()
    );
    let server = ScriptedServer::start(move |_, _| json(200, &page));
    let out = runs(
        &server.base_url(),
        &["list", "--agent-id", "agent-1", "--process-id", "proc-1"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains(['\u{1b}', '\u{7}']), "{:?}", out.stderr);
    insta::assert_snapshot!(out.stderr, @r"more runs: add --continuation-token $'\x1b]0;pwned\x07; rm -rf ~ #', or --all");
}

#[test]
fn the_wait_progress_line_escapes_the_status() {
    let server = ScriptedServer::start(|n, _| {
        let status = if n < 2 {
            "\u{1b}[2J\u{1b}[31mHacked\r\n"
        } else {
            "Succeeded"
        };
        json(200, &run_json("r1", status, ""))
    });
    let out = runs(&server.base_url(), &["wait", "r1", "--interval", "0.1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains(['\u{1b}', '\r']), "{:?}", out.stderr);
    insta::assert_snapshot!(out.stderr, @r"run r1: \u{1b}[2J\u{1b}[31mHacked\r\n");
}

#[test]
fn a_run_ending_in_an_unknown_status_with_escapes_is_printed_escaped() {
    let server = ScriptedServer::start(|_, _| json(200, &run_json("r1", "\u{1b}[32mSucceeded", "")));
    // Not terminal (unknown), so the wait runs to its timeout; get shows it in the table.
    let out = runs(&server.base_url(), &["get", "r1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains('\u{1b}'), "{:?}", out.stdout);
    assert!(out.stdout.contains(r"\u{1b}[32mSucceeded"), "{}", out.stdout);
}
