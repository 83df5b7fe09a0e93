//! Upload targets the emulator handed out, and the files uploaded to them.
//!
//! `POST /v2/files` issues a target: an id, form fields (among them a `policy` naming the
//! target and a `signature` only this emulator can compute) and a header. The upload target
//! (the other listener) accepts an upload only with exactly those fields, in that order, the
//! header, a valid signature and before the target expires; see [`crate::Emulator::upload_url`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use runs_core::{AgentId, FileId, FileResource};

use crate::token::mix;

/// The path of the upload target on its listener.
pub(crate) const UPLOAD_PATH: &str = "/emulator-bucket";
/// How the ids of this emulator's files start.
pub(crate) const FILE_ID_PREFIX: &str = "s3://runs-emulator/";
/// The header every target asks for, carrying the target's number.
pub(crate) const TARGET_HEADER: &str = "x-amz-meta-target";

/// A file the upload target accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadedFile {
    /// Its id, for a run's `file_ids`.
    pub id: FileId,
    /// The agent it was created for.
    pub agent_id: AgentId,
    /// The file name the upload's file part carried.
    pub file_name: String,
    /// How many bytes arrived.
    pub size: u64,
    /// The SHA-256 of those bytes, in lowercase hex (as `sha256sum` prints it).
    pub sha256: String,
}

/// One target handed out.
pub(crate) struct Issued {
    pub(crate) id: FileId,
    pub(crate) agent_id: AgentId,
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) expires: Instant,
}

/// Targets and uploads.
#[derive(Default)]
pub(crate) struct Files {
    issued: Vec<Issued>,
    uploaded: HashMap<FileId, UploadedFile>,
    order: Vec<FileId>,
}

/// What the service does to a file name: the last path segment, control characters replaced.
pub(crate) fn sanitise(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect();
    let clean = clean.trim();
    if clean.is_empty() || clean == "." || clean == ".." {
        "file".into()
    } else {
        clean.into()
    }
}

/// The signature of a policy, keyed by the emulator's secret.
pub(crate) fn signature(secret: u64, policy: &str) -> String {
    let mut h = secret;
    for b in policy.bytes() {
        h = mix(h ^ u64::from(b));
    }
    format!("{:016x}{:016x}", mix(h), mix(h ^ 0x7369_676e))
}

impl Files {
    /// Issues a target for `name` of `agent`, valid for `expiry`, uploaded to `upload_url`.
    pub(crate) fn issue(
        &mut self,
        agent: &AgentId,
        name: &str,
        upload_url: &str,
        secret: u64,
        expiry: Duration,
    ) -> Option<FileResource> {
        let seq = self.issued.len();
        let name = sanitise(name);
        let key = format!("{agent}/{seq:08}/{name}");
        let id = FileId::new(format!("{FILE_ID_PREFIX}{key}")).ok()?;
        let policy = format!("target-{seq:08}");
        // Not in alphabetical order, so a client that sorts them (a JSON map would) is caught.
        let fields: Vec<(String, String)> = vec![
            ("key".into(), key),
            ("Content-Type".into(), "application/octet-stream".into()),
            ("x-amz-security-token".into(), "emulator-session-token".into()),
            ("AWSAccessKeyId".into(), "EMULATORACCESSKEY".into()),
            ("signature".into(), signature(secret, &policy)),
            ("policy".into(), policy),
        ];
        let mut target = FileResource::new(id.clone(), name, upload_url, fields.clone());
        target.upload_http_headers = Some(vec![(TARGET_HEADER.to_string(), seq.to_string())].into());
        self.issued.push(Issued {
            id,
            agent_id: agent.clone(),
            fields,
            expires: Instant::now() + expiry,
        });
        Some(target)
    }

    /// The target a `policy` field names.
    pub(crate) fn target(&self, policy: &str) -> Option<(usize, &Issued)> {
        let seq: usize = policy.strip_prefix("target-")?.parse().ok()?;
        self.issued.get(seq).map(|t| (seq, t))
    }

    /// Records an accepted upload (a second upload to a target replaces the first, as storage
    /// overwrites an object).
    pub(crate) fn record(&mut self, file: UploadedFile) {
        if !self.uploaded.contains_key(&file.id) {
            self.order.push(file.id.clone());
        }
        self.uploaded.insert(file.id.clone(), file);
    }

    /// An uploaded file.
    pub(crate) fn uploaded(&self, id: &str) -> Option<&UploadedFile> {
        FileId::new(id).ok().and_then(|id| self.uploaded.get(&id))
    }

    /// Every uploaded file, in the order of their first upload.
    pub(crate) fn all(&self) -> Vec<UploadedFile> {
        self.order
            .iter()
            .filter_map(|id| self.uploaded.get(id).cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_their_path_and_control_characters() {
        assert_eq!(sanitise("../../etc/passwd"), "passwd");
        assert_eq!(sanitise("C:\\dir\\a\nb.pdf"), "a_b.pdf");
        assert_eq!(sanitise("dir/"), "file");
        assert_eq!(sanitise("Ünï cödé.txt"), "Ünï cödé.txt");
    }

    #[test]
    fn a_signature_depends_on_the_secret_and_the_policy() {
        assert_eq!(signature(1, "target-00000001"), signature(1, "target-00000001"));
        assert_ne!(signature(1, "target-00000001"), signature(2, "target-00000001"));
        assert_ne!(signature(1, "target-00000001"), signature(1, "target-00000002"));
    }
}
