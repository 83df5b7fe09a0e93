//! A JSON value's text read as a tree whose numbers stay as written: how [`JsonValue`] is
//! serialized into other formats (a map for `serde_json::Value`, YAML, a struct) without
//! turning `1.0` into `1` or a 20-digit id into a float.
//!
//! [`JsonValue`]: super::JsonValue

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// The tree of `text` (valid JSON, as a `JsonValue` holds), `None` if anything is off.
pub(super) fn read(text: &str) -> Option<Node<'_>> {
    let mut reader = Reader { text, at: 0 };
    let node = reader.value()?;
    reader.space();
    (reader.at == reader.text.len()).then_some(node)
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

/// A reader over JSON text already known to be valid (serde_json checked it, nesting at most
/// 128 deep); anything unexpected is `None` rather than a panic.
struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.space();
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn word(&mut self, word: &str) -> Option<()> {
        let text = self.text;
        text.get(self.at..)?
            .starts_with(word)
            .then(|| self.at += word.len())
    }

    fn value(&mut self) -> Option<Node<'a>> {
        self.space();
        match self.peek()? {
            b'n' => self.word("null").map(|()| Node::Null),
            b't' => self.word("true").map(|()| Node::Bool(true)),
            b'f' => self.word("false").map(|()| Node::Bool(false)),
            b'"' => self.string().map(Node::String),
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.eat(b']') {
                    loop {
                        items.push(self.value()?);
                        if self.eat(b']') {
                            break;
                        }
                        self.eat(b',').then_some(())?;
                    }
                }
                Some(Node::Array(items))
            }
            b'{' => {
                self.at += 1;
                let mut entries = Vec::new();
                if !self.eat(b'}') {
                    loop {
                        self.space();
                        let key = self.string()?;
                        self.eat(b':').then_some(())?;
                        entries.push((key, self.value()?));
                        if self.eat(b'}') {
                            break;
                        }
                        self.eat(b',').then_some(())?;
                    }
                }
                Some(Node::Object(entries))
            }
            _ => {
                let start = self.at;
                while matches!(self.peek(), Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')) {
                    self.at += 1;
                }
                (self.at > start).then(|| Node::Number(&self.text[start..self.at]))
            }
        }
    }

    /// A string at the cursor: borrowed when it has no escapes, else decoded by serde_json.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let start = self.at;
        let bytes = self.text.as_bytes();
        if bytes.get(start) != Some(&b'"') {
            return None;
        }
        let mut i = start + 1;
        let mut escaped = false;
        loop {
            match bytes.get(i)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    i += 2;
                }
                _ => i += 1,
            }
        }
        self.at = i + 1;
        let token = self.text.get(start..self.at)?;
        if escaped {
            serde_json::from_str::<String>(token).ok().map(Cow::Owned)
        } else {
            token.get(1..token.len() - 1).map(Cow::Borrowed)
        }
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
