//! `runs files upload PATH...`.

use std::io::Write;

use runs_core::{AgentId, FieldError};

use crate::cli::{Global, UploadArgs};
use crate::exit::Failure;
use crate::{config, render, upload};

/// Uploads each file in turn and prints its id (a table of ids and names, or one JSON array).
pub fn run(global: &Global, args: &UploadArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let agent_id = args
        .agent_id
        .as_deref()
        .map(|id| {
            id.parse::<AgentId>()
                .map_err(|e: FieldError| e.in_field("--agent-id"))
        })
        .transpose()?;
    let files = upload::check(&args.paths, "PATH")?;
    let client = config::client(global)?;
    let mut uploaded = Vec::with_capacity(files.len());
    for file in files {
        let name = file.name().to_owned();
        let id = client.upload_file(upload::source(file), agent_id.as_ref())?;
        uploaded.push((id, name));
    }
    render::files(out, global.output, &uploaded)?;
    Ok(())
}
