//! The two clients' method lists, read from the checked-in public API listings (`api/`, kept
//! fresh by `.ci/public-api`): the same methods with the same signatures, `async` aside, but
//! for the one way each takes a user's middleware.

use std::collections::BTreeSet;

/// `Client`'s inherent and trait methods in a listing, with the crate's name made neutral and
/// `async` dropped, so the two listings compare.
fn methods(crate_name: &str) -> BTreeSet<String> {
    let path = format!("{}/../../api/{crate_name}.txt", env!("CARGO_MANIFEST_DIR"));
    let listing = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let ident = crate_name.replace('-', "_");
    listing
        .lines()
        .filter_map(|line| {
            let line = line.strip_prefix("pub ")?;
            let line = line.strip_prefix("async ").unwrap_or(line);
            let signature = line.strip_prefix(&format!("fn {ident}::Client::"))?;
            Some(signature.replace(&ident, "CLIENT_CRATE"))
        })
        .collect()
}

#[test]
fn the_two_clients_list_the_same_methods() {
    let blocking = methods("runs-blocking");
    let asynchronous = methods("runs-async");
    assert!(blocking.len() >= 14, "{blocking:#?}");
    let only_blocking: Vec<_> = blocking.difference(&asynchronous).collect();
    let only_async: Vec<_> = asynchronous.difference(&blocking).collect();
    // A user's ureq::Agent and a user's tower layer: each its transport's own middleware.
    // And the batch's driver: worker threads to the end in one, a stream of outcomes on the
    // caller's task in the other (the machine they drive is the same).
    let own = |methods: &[&String], middleware: &str| {
        let mut names: Vec<&str> = methods
            .iter()
            .map(|m| m.split(['(', '<']).next().unwrap_or(""))
            .collect();
        names.sort_unstable();
        names == ["run_batch", middleware]
    };
    assert!(
        own(&only_blocking, "with_agent"),
        "only in runs-blocking: {only_blocking:#?}"
    );
    assert!(
        own(&only_async, "with_layer"),
        "only in runs-async: {only_async:#?}"
    );
}
