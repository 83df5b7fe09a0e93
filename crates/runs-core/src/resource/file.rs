//! Files a run takes as input: creating an upload target (`POST /files`) and the file's id.
//!
//! Giving a run a file takes two steps. [`CreateFile`] asks the API for a [`FileResource`]: the
//! file's [`FileId`] and a presigned target on object storage (another origin). The bytes then
//! go there as planned by [`crate::upload`], without the API key; the id goes into the run's
//! `file_ids` ([`StartRunBuilder::file`](crate::StartRunBuilder::file)).
//!
//! ```
//! use runs_core::transport::{Operation, PostFile};
//! use runs_core::{Config, CreateFile};
//! let config = Config::builder().api_key("k").base_url("http://127.0.0.1:1/v2").build()?;
//! let create = CreateFile::new("invoice.pdf")?.with_agent_id("agent-1".parse()?);
//! let request = PostFile(create).request(&config);
//! assert_eq!(request.describe(), "POST http://127.0.0.1:1/v2/files");
//! assert_eq!(request.body(), br#"{"file_name":"invoice.pdf","agent_id":"agent-1"}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::str::FromStr;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::id::AgentId;
use crate::validation::{FieldError, Rule};

/// The most characters (Unicode scalar values) a file name given to `POST /files` may have.
pub const FILE_NAME_MAX_LEN: usize = 256;

/// The id of an uploaded file, the value for a run's `file_ids`.
///
/// Not an id by the id rule: the service's look like `s3://bucket/key`. The only rule is that
/// it is not empty; it never goes into a URL, only into JSON bodies.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(String);

impl FileId {
    /// The field name used in errors about file ids.
    pub const FIELD: &'static str = "file_id";

    /// Checks `value`: any text but the empty string.
    pub fn new(value: impl Into<String>) -> Result<Self, FieldError> {
        let value = value.into();
        if value.is_empty() {
            return Err(FieldError::new(Self::FIELD, Rule::Empty));
        }
        Ok(Self(value))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileId({:?})", self.0)
    }
}

/// The id as text; a width and alignment are honoured (`{:<40}`).
impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl AsRef<str> for FileId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&FileId> for FileId {
    fn from(id: &FileId) -> Self {
        id.clone()
    }
}

impl From<FileId> for String {
    fn from(id: FileId) -> Self {
        id.0
    }
}

impl FromStr for FileId {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<&str> for FileId {
    type Error = FieldError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl TryFrom<String> for FileId {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl Serialize for FileId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for FileId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new(s).map_err(|e| serde::de::Error::custom(e.in_field("id")))
    }
}

/// Checks a file name for `POST /files`: 1 to 256 characters (Unicode scalar values).
pub(crate) fn check_file_name(value: &str) -> Result<(), FieldError> {
    let count = value.chars().count();
    if count == 0 {
        return Err(FieldError::new("file_name", Rule::Empty));
    }
    if count > FILE_NAME_MAX_LEN {
        return Err(FieldError::new(
            "file_name",
            Rule::TooLong {
                max: FILE_NAME_MAX_LEN,
                actual: count,
            },
        ));
    }
    Ok(())
}

/// `POST /files`: asks for an upload target for one file.
///
/// `agent_id` may be left out when the key belongs to one agent; it is then left out of the
/// body, not sent as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateFile {
    file_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent_id: Option<AgentId>,
}

impl CreateFile {
    /// A target for a file called `file_name` (1 to 256 characters; the service may sanitise it).
    pub fn new(file_name: impl Into<String>) -> Result<Self, FieldError> {
        let file_name = file_name.into();
        check_file_name(&file_name)?;
        Ok(Self {
            file_name,
            agent_id: None,
        })
    }

    /// This request for a file of `agent_id`.
    pub fn with_agent_id(mut self, agent_id: AgentId) -> Self {
        self.agent_id = Some(agent_id);
        self
    }

    /// The file name asked for.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The agent, if one was given.
    pub fn agent_id(&self) -> Option<&AgentId> {
        self.agent_id.as_ref()
    }

    /// Reads a create-file body as a server would, checking every rule; for the emulator.
    /// `agent_id` may be left out, but not sent as `null`: the schema types it a string.
    pub fn from_json(body: &[u8]) -> Result<Self, crate::ValidationError> {
        use serde_json::Value;
        let map = match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(FieldError::new("body", Rule::Malformed("a JSON object")).into()),
            Err(_) => return Err(FieldError::new("body", Rule::Malformed("valid JSON")).into()),
        };
        let mut c = crate::validation::Collector::default();
        let file_name = c.check(match map.get("file_name") {
            Some(Value::String(s)) => check_file_name(s).map(|()| s.clone()),
            None | Some(Value::Null) => Err(FieldError::new(
                "file_name",
                Rule::Malformed("present and not null"),
            )),
            Some(_) => Err(FieldError::new("file_name", Rule::Malformed("a string"))),
        });
        let agent_id = c.check(match map.get("agent_id") {
            None => Ok(None),
            Some(Value::String(s)) => AgentId::new(s.as_str()).map(Some),
            Some(_) => Err(FieldError::new(
                "agent_id",
                Rule::Malformed("a string, or left out (not null)"),
            )),
        });
        for key in map
            .keys()
            .filter(|k| !matches!(k.as_str(), "file_name" | "agent_id"))
        {
            c.push(FieldError::new(
                crate::error::one_line(key, 40),
                Rule::Malformed("absent: it is not a known field"),
            ));
        }
        c.finish(|| {
            Some(Self {
                file_name: file_name?,
                agent_id: agent_id?,
            })
        })
    }
}

/// The most pairs an [`OrderedFields`] holds: a presigned upload has about ten fields and a few
/// headers, and a server's answer with millions of empty ones must not cost memory.
pub const MAX_UPLOAD_FIELDS: usize = 64;

/// Name-value pairs in the order the server sent them (a JSON object read without sorting).
///
/// The upload's form fields must be sent in the order given, and a JSON map would sort them,
/// so they are kept as a list. A key sent twice is kept twice. Reading more than
/// [`MAX_UPLOAD_FIELDS`] pairs fails.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderedFields(Vec<(String, String)>);

impl OrderedFields {
    /// The pairs, in order.
    pub fn as_slice(&self) -> &[(String, String)] {
        &self.0
    }

    /// The value of the first pair called `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// How many pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<(String, String)>> for OrderedFields {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }
}

impl Serialize for OrderedFields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for OrderedFields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = OrderedFields;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                // The size hint comes from the input: cap it so a hostile one cannot reserve much.
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
                while let Some(pair) = map.next_entry::<String, String>()? {
                    if pairs.len() == MAX_UPLOAD_FIELDS {
                        return Err(serde::de::Error::custom(format_args!(
                            "more than {MAX_UPLOAD_FIELDS} entries (a presigned upload has about ten)"
                        )));
                    }
                    pairs.push(pair);
                }
                Ok(OrderedFields(pairs))
            }
        }
        d.deserialize_map(Pairs)
    }
}

/// What `POST /files` answers: the file's id and where and how to upload its bytes.
///
/// Fields the SDK does not know are ignored. The target is checked when an upload is planned
/// ([`crate::transport::Upload::new`]), not here, so a target the SDK cannot use still yields its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FileResource {
    /// The value for a run's `file_ids`.
    pub id: FileId,
    /// The name as the service sanitised it; the upload sends it as the file part's name.
    pub file_name: String,
    /// Where to upload, on another origin than the API.
    pub upload_url: String,
    /// The method of the upload (seen: `POST`).
    pub upload_http_method: String,
    /// Form fields to send, in this order, before the file.
    pub upload_fields: OrderedFields,
    /// Headers to send with the upload (`None` when the server sent `null` or nothing).
    #[serde(default)]
    pub upload_http_headers: Option<OrderedFields>,
}

impl FileResource {
    /// A target; for servers, emulators and tests.
    pub fn new(
        id: FileId,
        file_name: impl Into<String>,
        upload_url: impl Into<String>,
        upload_fields: Vec<(String, String)>,
    ) -> Self {
        Self {
            id,
            file_name: file_name.into(),
            upload_url: upload_url.into(),
            upload_http_method: String::from("POST"),
            upload_fields: upload_fields.into(),
            upload_http_headers: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_fields_keep_the_order_they_came_in() {
        let body = br#"{"id":"s3://b/k","file_name":"a.pdf","upload_url":"https://s3.test/b",
            "upload_http_method":"POST","upload_fields":{"zeta":"1","key":"k","alpha":"2"},
            "upload_http_headers":null,"extra":true}"#;
        let target: FileResource = serde_json::from_slice(body).unwrap();
        let names: Vec<_> = target
            .upload_fields
            .as_slice()
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        assert_eq!(names, ["zeta", "key", "alpha"]);
        assert_eq!(target.upload_http_headers, None);
        let back = serde_json::to_string(&target.upload_fields).unwrap();
        assert_eq!(back, r#"{"zeta":"1","key":"k","alpha":"2"}"#);
    }

    #[test]
    fn an_empty_file_id_is_refused_and_any_other_text_is_kept() {
        assert_eq!(FileId::new("").unwrap_err().rule(), &Rule::Empty);
        assert_eq!(
            FileId::new("s3://bucket/a b").unwrap().as_str(),
            "s3://bucket/a b"
        );
    }

    #[test]
    fn file_names_count_characters_and_the_server_reads_every_rule() {
        assert!(CreateFile::new("é".repeat(256)).is_ok());
        assert!(CreateFile::new("é".repeat(257)).is_err());
        assert!(CreateFile::new("").is_err());
        let err = CreateFile::from_json(br#"{"file_name":"","agent_id":"a b"}"#).unwrap_err();
        assert!(err.has_field("file_name") && err.has_field("agent_id"));
        let unknown = CreateFile::from_json(br#"{"file_name":"x","other":1}"#).unwrap_err();
        assert!(unknown.has_field("other"));
        let null = CreateFile::from_json(br#"{"file_name":"x","agent_id":null}"#).unwrap_err();
        assert!(null.has_field("agent_id"), "null is not the same as left out");
        assert!(CreateFile::from_json(b"[1]").unwrap_err().has_field("body"));
        let ok = CreateFile::from_json(br#"{"file_name":"x"}"#).unwrap();
        assert_eq!((ok.file_name(), ok.agent_id()), ("x", None));
    }
}
