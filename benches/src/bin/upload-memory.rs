//! Memory of a 1 GiB upload: the client streams the file, so its peak RSS must stay far below
//! the file's size (the bound: under 32 MiB).
//!
//! `cargo build --release -p runs-benches --bin upload-memory && target/release/upload-memory`
//! (`--size-mib N` for another size). The emulator runs in a child process (its upload target
//! hashes the file and keeps nothing); each client uploads a sparse file of the size given
//! from a fresh process of its own, so the peak RSS printed is that client's alone. The
//! emulator reports what arrived (size per file), so the table shows the whole file was sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

use runs_benches::measure::peak_rss_kib;

const KEY: &str = "sk-bench-key";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("--serve") => return serve(),
        Some("--upload") => return upload(&args[2], &args[3], &args[4]),
        _ => {}
    }
    let mib: u64 = args
        .iter()
        .position(|a| a == "--size-mib")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let dir = std::env::temp_dir().join(format!("runs-upload-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("big.bin");
    // Sparse: reading it gives zeros, and it takes no disk space.
    std::fs::File::create(&path)
        .and_then(|f| f.set_len(mib << 20))
        .expect("sparse file");

    let exe = std::env::current_exe().expect("own path");
    let mut emulator = Command::new(&exe)
        .arg("--serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("emulator process");
    let mut lines = BufReader::new(emulator.stdout.take().expect("piped stdout")).lines();
    let base = lines
        .next()
        .and_then(Result::ok)
        .expect("the emulator's base URL");

    println!("## memory: uploading a {mib} MiB file, each client in a process of its own\n");
    println!("| client | peak RSS before the upload | peak RSS after it | growth |");
    println!("|---|---|---|---|");
    for (name, mode) in [
        ("runs-blocking upload_file", "blocking"),
        ("runs-async upload_file", "async"),
    ] {
        let out = Command::new(&exe)
            .args(["--upload", mode, &base, path.to_str().expect("UTF-8 temp path")])
            .output()
            .expect("upload process");
        let text = String::from_utf8_lossy(&out.stdout);
        let v: Vec<u64> = text.split_whitespace().filter_map(|w| w.parse().ok()).collect();
        match v[..] {
            [before, after] => println!(
                "| {name} | {before} KiB | {after} KiB | {} KiB |",
                after.saturating_sub(before)
            ),
            _ => println!(
                "| {name} | failed: {} | | |",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        }
    }
    // Closing its stdin asks the emulator for what it received.
    drop(emulator.stdin.take());
    let received: Vec<String> = lines.map_while(Result::ok).collect();
    println!("\nthe emulator received: {}\n", received.join(", "));
    let _ = emulator.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// In a child process: an emulator; prints its base URL, then, when stdin closes, the size of
/// each file it accepted.
fn serve() {
    let emulator = runs_emulator::Emulator::builder()
        .api_key(KEY)
        .worker_threads(1)
        .start()
        .expect("emulator");
    println!("{}", emulator.base_url());
    let _ = std::io::stdout().flush();
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    for file in emulator.uploaded_files() {
        println!("{} bytes (sha256 {}…)", file.size, &file.sha256[..12]);
    }
}

/// In a child process: uploads `path` with one client and prints the peak RSS before and after.
fn upload(mode: &str, base: &str, path: &str) {
    let before = peak_rss_kib().unwrap_or(0);
    if mode == "blocking" {
        let client = runs_blocking::Client::builder()
            .api_key(KEY)
            .base_url(base)
            .build()
            .expect("client");
        client
            .upload_file(runs_blocking::FileSource::path(path), None)
            .expect("upload");
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
            client
                .upload_file(runs_async::FileSource::path(path), None)
                .await
                .expect("upload");
        });
    }
    println!("{before} {}", peak_rss_kib().unwrap_or(0));
}
