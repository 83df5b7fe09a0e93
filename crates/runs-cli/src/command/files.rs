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
    let out = &mut super::scrubbed(out, &client);
    let mut rows = render::FileRows::begin(out, global.output)?;
    for file in files {
        let name = file.name().to_owned();
        match client.upload_file(upload::source(file), agent_id.as_ref()) {
            Ok(id) => rows.row(&id, &name)?,
            Err(error) => {
                // What did upload stays printed, and a valid document: the array is closed.
                rows.finish()?;
                return Err(Failure::Upload {
                    file: crate::terminal::printable(&name).into_owned(),
                    error: Box::new(error),
                });
            }
        }
    }
    rows.finish()?;
    Ok(())
}
