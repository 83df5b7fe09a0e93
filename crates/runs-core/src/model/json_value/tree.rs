//! A JSON value's text read as a tree whose numbers stay as written: how [`JsonValue`] is
//! serialized into other formats (a map for `serde_json::Value`, YAML, a struct) without
//! turning `1.0` into `1` or a 20-digit id into a float.
//!
//! [`JsonValue`]: super::JsonValue

use alloc::borrow::Cow;
use alloc::string::ToString;
use alloc::vec::Vec;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::json::{self, Reader};

/// The tree of `text` (valid JSON, as a `JsonValue` holds), `None` if anything is off.
pub(super) fn read(text: &str) -> Option<Node<'_>> {
    json::read_document(text.as_bytes(), Node::read).ok()
}

/// A JSON value's structure over its text, numbers kept as written.
pub(super) enum Node<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl<'a> Node<'a> {
    /// The value at the reader's cursor, by the reader every decoder uses.
    fn read(r: &mut Reader<'a>) -> Result<Self, json::Error> {
        Ok(match r.peek() {
            Some(b'"') => Node::String(r.string()?),
            Some(b'[') => {
                let mut items = Vec::new();
                r.array("a sequence", &mut |r| Node::read(r).map(|item| items.push(item)))?;
                Node::Array(items)
            }
            Some(b'{') => {
                let mut entries = Vec::new();
                // Keys owned: the reader lends each only for its member, and this walk is
                // for serializing, not the decoding path.
                r.object("a map", &mut |r, key| {
                    Node::read(r).map(|value| entries.push((Cow::Owned(key.into()), value)))
                })?;
                Node::Object(entries)
            }
            // A number or a literal: its text, checked.
            _ => match r.value()? {
                "null" => Node::Null,
                "true" => Node::Bool(true),
                "false" => Node::Bool(false),
                number => Node::Number(number),
            },
        })
    }
}

impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => serializer.serialize_unit(),
            Node::Bool(b) => serializer.serialize_bool(*b),
            Node::Number(text) => number(text, serializer),
            Node::String(s) => serializer.serialize_str(s),
            Node::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key.as_ref(), value)?;
                }
                map.end()
            }
        }
    }
}

/// A number as the primitive that prints back to `text`, else through serde_json's raw path.
fn number<S: Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    let integer = !text.contains(['.', 'e', 'E']);
    // JSON integers have no leading zeros and no `+`, so a parse that succeeds prints back
    // the same, except `-0`.
    if integer && text != "-0" {
        if let Ok(n) = text.parse::<u64>() {
            return serializer.serialize_u64(n);
        }
        if let Ok(n) = text.parse::<i64>() {
            return serializer.serialize_i64(n);
        }
    }
    if !integer {
        // serde_json's own float reader, already linked for decoding: core's (`str::parse`)
        // would add ~15 KiB to a firmware image. A reading off by an ulp only fails the check
        // below and takes the raw path, which writes the same text.
        if let Ok(f) = serde_json::from_str::<f64>(text) {
            // serde_json writes an f64 as its `Number` displays it.
            if serde_json::Number::from_f64(f).is_some_and(|n| n.to_string() == text) {
                return serializer.serialize_f64(f);
            }
        }
    }
    match serde_json::from_str::<&RawValue>(text) {
        Ok(raw) => raw.serialize(serializer),
        Err(e) => Err(serde::ser::Error::custom(e)),
    }
}
