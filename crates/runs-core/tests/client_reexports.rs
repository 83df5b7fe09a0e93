//! The clients re-export runs-core's items (`client_reexports!`) so a program depends on one
//! crate, and runs-core's doc examples are what a client's user reads on those items. Two
//! promises follow, checked here from the `api/` listings and the sources:
//!
//! - the list is closed: a type that a re-exported item takes, returns, holds or is bounded by
//!   is re-exported too, so no signature on a client's pages names a type the client does not
//!   have (a dead link, a `use runs_core::` the user cannot write);
//! - the doc examples of root items do not show `runs_core::` paths, which would not compile
//!   in a program that depends on a client alone.
//!
//! The listings are generated (`.ci/public-api --bless`) and CI fails when they are stale, so
//! checking them is checking the code.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn listing(krate: &str) -> String {
    let path = repo().join("api").join(format!("{krate}.txt"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The names a client crate re-exports at its root (`pub use runs_blocking::Run`).
fn reexported(krate: &str) -> BTreeSet<String> {
    let prefix = format!("pub use {}::", krate.replace('-', "_"));
    listing(krate)
        .lines()
        .filter_map(|line| line.strip_prefix(&prefix))
        // At the root only: a module's own re-exports (`batch::..`) are that module's.
        .filter(|name| !name.contains("::"))
        .map(str::to_owned)
        .collect()
}

/// The root items of runs-core a line names: each `runs_core::Name` whose name starts with a
/// capital (so not `runs_core::transport::..`, whose items are for transports, kept out of the
/// clients on purpose).
fn root_types(line: &str) -> Vec<&str> {
    line.match_indices("runs_core::")
        .map(|(at, prefix)| {
            let rest = &line[at + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|name| name.starts_with(|c: char| c.is_ascii_uppercase()))
        .collect()
}

/// The root item a listing line is about: `pub fn runs_core::Run::output_as(..)` is about
/// `Run`, `impl From<runs_core::FieldError> for runs_core::Error` about `Error`.
fn owner(line: &str) -> Option<&str> {
    if line.starts_with("impl") {
        let (_, after) = line.rsplit_once(" for ")?;
        return root_types(after).first().copied();
    }
    let rest = line.strip_prefix("pub ")?;
    let rest = ["fn ", "struct ", "enum ", "trait ", "type ", "const ", "static "]
        .iter()
        .find_map(|keyword| rest.strip_prefix(keyword))
        .unwrap_or(rest);
    rest.starts_with("runs_core::")
        .then(|| root_types(rest).first().copied())
        .flatten()
}

#[test]
fn every_runs_core_type_a_reexported_item_names_is_reexported_too() {
    let names = reexported("runs-blocking");
    assert!(names.contains("StartRun") && names.contains("Error"), "{names:?}");
    let mut missing = BTreeSet::new();
    for line in listing("runs-core").lines() {
        if owner(line).is_some_and(|owner| names.contains(owner)) {
            for name in root_types(line) {
                if !names.contains(name) {
                    missing.insert(format!("{name}, named by: {line}"));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "add these to client_reexports! (runs-core/src/surface.rs), then .ci/public-api --bless:\n{}",
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// Where a root item may still name `runs_core::transport`, and why. Everything else a root
/// item holds, takes or returns is a root type, so a client's user never meets the transport
/// module (issue 19: `Config::connection()`, `WaitOptions::into_wait` and the `Operation`
/// impls of `StartRun` and `CreateFile` moved to the transport side).
const TRANSPORT_NAMED_BY_ROOT_ITEMS: [(&str, &str); 6] = [
    // What `ConfigBuilder::build` builds: a `Config` or a client; the bound is the builder's.
    (
        "FromConfig for runs_core::Config",
        "Config is what a bare builder builds",
    ),
    (
        "T: runs_core::transport::FromConfig> runs_core::ConfigBuilder",
        "the builder's output bound",
    ),
    // `Listing<ListRuns>` names its query through the sealed `PageQuery`.
    (
        "runs_core::ListRuns",
        "sealed PageQuery: only a bound, never implemented outside",
    ),
    (
        "runs_core::ListProcesses",
        "sealed PageQuery: only a bound, never implemented outside",
    ),
    // Constructors that read server answers, called by transports and the CLI.
    ("::from_response", "reads a server answer, for transports"),
    ("Health::from_answer", "reads a server answer, for transports"),
];

/// Whether a listing line is about an item at runs-core's root (`pub fn runs_core::Config::..`,
/// `impl .. for runs_core::Config`), not one in a module that names a root type.
fn about_a_root_item(line: &str) -> bool {
    let subject = match line.rsplit_once(" for ") {
        Some((_, target)) if line.starts_with("impl") => target,
        _ => line
            .split_whitespace()
            .find(|w| w.starts_with("runs_core::"))
            .unwrap_or(""),
    };
    subject
        .strip_prefix("runs_core::")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
}

#[test]
fn root_items_name_no_transport_type_but_the_listed_ones() {
    let listing = listing("runs-core");
    let leaks: Vec<&str> = listing
        .lines()
        .filter(|line| about_a_root_item(line) && line.contains("runs_core::transport::"))
        .filter(|line| {
            !TRANSPORT_NAMED_BY_ROOT_ITEMS
                .iter()
                .any(|(at, _)| line.contains(at))
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "a root type names a transport type; move the item to the transport side \
         (as `ConnectionPlan::of(&config)`), or add it to TRANSPORT_NAMED_BY_ROOT_ITEMS with why:\n{}",
        leaks.join("\n")
    );
}

#[test]
fn both_clients_reexport_the_same_items() {
    assert_eq!(reexported("runs-blocking"), reexported("runs-async"));
}

#[test]
fn the_line_parsing_finds_owners_and_the_root_types_they_name() {
    let line = "pub fn runs_core::StartRun::builder() -> runs_core::StartRunBuilder<runs_core::Missing>";
    assert_eq!(owner(line), Some("StartRun"));
    assert_eq!(root_types(line), ["StartRun", "StartRunBuilder", "Missing"]);
    let line = "impl core::convert::From<runs_core::FieldError> for runs_core::Error";
    assert_eq!(
        (owner(line), root_types(line)),
        (Some("Error"), vec!["FieldError", "Error"])
    );
    let line = "pub runs_core::FileResource::upload_fields: runs_core::OrderedFields";
    assert_eq!(owner(line), Some("FileResource"));
    assert_eq!(owner("pub struct runs_core::transport::Call<O>"), None);
    assert!(about_a_root_item(
        "pub fn runs_core::Config::proxy(&self) -> &runs_core::Proxy"
    ));
    assert!(about_a_root_item(
        "impl runs_core::transport::PageQuery for runs_core::ListRuns"
    ));
    assert!(!about_a_root_item(
        "pub fn runs_core::transport::Call<O>::new(&runs_core::Config, O, u64) -> Self"
    ));
    assert!(!about_a_root_item(
        "pub runs_core::transport::Hold::Fail(runs_core::TransportError)"
    ));
    assert_eq!(
        root_types("-> runs_core::transport::Call<runs_core::Run>"),
        ["Run"]
    );
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The visible lines of the code blocks of `///` docs in `text` that name `runs_core::`
/// outside a module path: (line number, line). A block that shows a module's path
/// (`runs_core::transport::..`) documents that module's machinery, which only runs-core's
/// own pages show, and may name the crate.
fn crate_paths_in_item_examples(text: &str) -> Vec<(usize, String)> {
    /// Where the scan is: outside a block, in a Rust example (its visible lines so far), or
    /// in a block that is not one to paste (`text`, `compile_fail`, `ignore`).
    enum In {
        Prose,
        Example(Vec<(usize, String)>),
        Other,
    }
    let mut found = Vec::new();
    let mut state = In::Prose;
    for (n, line) in text.lines().enumerate() {
        let Some(doc) = line.trim_start().strip_prefix("///") else {
            continue;
        };
        let doc = doc.strip_prefix(' ').unwrap_or(doc);
        if let Some(info) = doc.trim_start().strip_prefix("```") {
            state = match std::mem::replace(&mut state, In::Prose) {
                In::Prose if info.is_empty() || info == "rust" || info == "no_run" => In::Example(Vec::new()),
                In::Prose => In::Other,
                In::Other => In::Prose,
                In::Example(lines) => {
                    let shows_a_module = lines.iter().any(|(_, l)| {
                        l.match_indices("runs_core::").any(|(at, p)| {
                            let rest = &l[at + p.len()..];
                            rest.starts_with(|c: char| c.is_ascii_lowercase())
                                && !rest.starts_with("serde_json")
                        })
                    });
                    if !shows_a_module {
                        found.extend(lines.into_iter().filter(|(_, l)| l.contains("runs_core")));
                    }
                    In::Prose
                }
            };
            continue;
        }
        let hidden = doc.trim_start() == "#" || doc.trim_start().starts_with("# ");
        if let In::Example(lines) = &mut state {
            if !hidden {
                lines.push((n + 1, doc.to_owned()));
            }
        }
    }
    found
}

#[test]
fn doc_examples_of_root_items_use_no_runs_core_path() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (line, shown) in crate_paths_in_item_examples(&text) {
            found.push(format!("{}:{line}: {shown}", file.display()));
        }
    }
    assert!(
        found.is_empty(),
        "the clients show these examples on their own pages, where `runs_core::` does not \
         compile; hide the line (`# use runs_core::..`) or name only re-exported items:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_example_scan_sees_shown_crate_paths_and_nothing_else() {
    let text = "/// ```\n/// use runs_core::Run;\n/// # use runs_core::Error;\n/// ```\n\
                /// ```text\n/// runs_core::Run\n/// ```\n\
                /// ```\n/// use runs_core::transport::Call;\n/// use runs_core::Config;\n/// ```\n\
                //! ```\n//! use runs_core::Run;\n//! ```\n";
    assert_eq!(
        crate_paths_in_item_examples(text),
        [(2, "use runs_core::Run;".to_owned())]
    );
}
