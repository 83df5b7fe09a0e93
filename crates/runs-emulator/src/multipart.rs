//! Reading a `multipart/form-data` body as it arrives: small fields are kept, the file part is
//! only counted and hashed, so an upload of any size costs the emulator a few kilobytes.

use sha2::{Digest, Sha256};

/// The largest header block of one part.
const MAX_PART_HEAD: usize = 8 * 1024;
/// The largest value of a field other than the file.
const MAX_FIELD_VALUE: usize = 64 * 1024;
/// The most parts a body may have.
const MAX_PARTS: usize = 64;

/// Why a body is not an acceptable form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FormError {
    /// Not multipart as the header announced it, or cut short; the text says where.
    Malformed(&'static str),
    /// A part came after the file; the name is the part's.
    AfterFile(String),
}

/// The file part, as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FilePart {
    pub(crate) file_name: String,
    pub(crate) size: u64,
    pub(crate) sha256: String,
}

/// What a whole body held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Form {
    /// The fields before the file, in order.
    pub(crate) fields: Vec<(String, String)>,
    pub(crate) file: Option<FilePart>,
}

enum State {
    /// Before the first delimiter.
    Start,
    /// Reading a part's headers.
    Head,
    /// Reading a field's value.
    Field { name: String, value: Vec<u8> },
    /// Reading the file.
    File { name: String, size: u64, hash: Sha256 },
    /// After a delimiter: `--` ends the body, CRLF starts the next part.
    AfterDelimiter,
    /// After the closing delimiter; whatever follows is ignored.
    Done,
}

/// The parser; [`Parser::feed`] each chunk, then [`Parser::finish`].
pub(crate) struct Parser {
    /// `\r\n--boundary`: what ends a part.
    delimiter: Vec<u8>,
    pending: Vec<u8>,
    state: State,
    fields: Vec<(String, String)>,
    file: Option<FilePart>,
    parts: usize,
}

/// The boundary a `Content-Type` header names, if it is `multipart/form-data`.
pub(crate) fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';');
    if !params.next()?.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        let v = v.trim().trim_matches('"');
        (k.trim().eq_ignore_ascii_case("boundary") && (1..=70).contains(&v.len())).then(|| v.to_string())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(i) = haystack[from..].iter().position(|&b| b == first) {
        let at = from + i;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The `name` and `filename` of a `Content-Disposition: form-data` header block.
fn disposition(head: &str) -> Option<(String, Option<String>)> {
    let line = head
        .split("\r\n")
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    let value = &line["content-disposition:".len()..];
    let mut name = None;
    let mut file_name = None;
    for param in value.split(';').skip(1) {
        let (k, v) = param.split_once('=')?;
        let v = v.trim();
        let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
        match k.trim() {
            "name" => name = Some(v.to_string()),
            "filename" => file_name = Some(v.to_string()),
            _ => {}
        }
    }
    Some((name?, file_name))
}

impl Parser {
    pub(crate) fn new(boundary: &str) -> Self {
        let mut delimiter = b"\r\n--".to_vec();
        delimiter.extend_from_slice(boundary.as_bytes());
        Self {
            // The body starts with the delimiter minus its CRLF: pretend one came before it.
            pending: b"\r\n".to_vec(),
            delimiter,
            state: State::Start,
            fields: Vec::new(),
            file: None,
            parts: 0,
        }
    }

    /// Takes the next chunk of the body.
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> Result<(), FormError> {
        self.pending.extend_from_slice(chunk);
        let mut used = 0;
        loop {
            let rest = &self.pending[used..];
            match &mut self.state {
                State::Done => {
                    used = self.pending.len();
                    break;
                }
                State::Start => {
                    if rest.len() < self.delimiter.len() {
                        break;
                    }
                    if !rest.starts_with(&self.delimiter) {
                        return Err(FormError::Malformed("the body must start with the boundary"));
                    }
                    used += self.delimiter.len();
                    self.state = State::AfterDelimiter;
                }
                State::AfterDelimiter => {
                    if rest.len() < 2 {
                        break;
                    }
                    used += 2;
                    self.state = match &rest[..2] {
                        b"--" => State::Done,
                        b"\r\n" => State::Head,
                        _ => return Err(FormError::Malformed("a boundary must end its line")),
                    };
                }
                State::Head => {
                    let Some(end) = find(rest, b"\r\n\r\n") else {
                        if rest.len() > MAX_PART_HEAD {
                            return Err(FormError::Malformed("a part's headers are too long"));
                        }
                        break;
                    };
                    let head = String::from_utf8_lossy(&rest[..end]).into_owned();
                    used += end + 4;
                    self.parts += 1;
                    if self.parts > MAX_PARTS {
                        return Err(FormError::Malformed("too many parts"));
                    }
                    let (name, file_name) = disposition(&head).ok_or(FormError::Malformed(
                        "each part needs Content-Disposition: form-data; name=...",
                    ))?;
                    if self.file.is_some() {
                        return Err(FormError::AfterFile(name));
                    }
                    self.state = match file_name {
                        Some(file_name) if name == "file" => State::File {
                            name: file_name,
                            size: 0,
                            hash: Sha256::new(),
                        },
                        _ => State::Field {
                            name,
                            value: Vec::new(),
                        },
                    };
                }
                State::Field { .. } | State::File { .. } => {
                    let (data, found) = match find(rest, &self.delimiter) {
                        Some(at) => (at, true),
                        // Keep what could be the start of a delimiter for the next chunk.
                        None => (rest.len().saturating_sub(self.delimiter.len() - 1), false),
                    };
                    let bytes = &rest[..data];
                    match &mut self.state {
                        State::Field { value, .. } => {
                            if value.len() + bytes.len() > MAX_FIELD_VALUE {
                                return Err(FormError::Malformed("a field's value is too long"));
                            }
                            value.extend_from_slice(bytes);
                        }
                        State::File { size, hash, .. } => {
                            *size += bytes.len() as u64;
                            hash.update(bytes);
                        }
                        _ => {}
                    }
                    used += data;
                    if !found {
                        break;
                    }
                    used += self.delimiter.len();
                    match std::mem::replace(&mut self.state, State::AfterDelimiter) {
                        State::Field { name, value } => {
                            let value = String::from_utf8(value)
                                .map_err(|_| FormError::Malformed("a field's value must be UTF-8"))?;
                            self.fields.push((name, value));
                        }
                        State::File { name, size, hash } => {
                            let sha256 = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
                            self.file = Some(FilePart {
                                file_name: name,
                                size,
                                sha256,
                            });
                        }
                        _ => {}
                    }
                }
            }
        }
        self.pending.drain(..used);
        Ok(())
    }

    /// The form, once the whole body has been fed.
    pub(crate) fn finish(self) -> Result<Form, FormError> {
        match self.state {
            State::Done => Ok(Form {
                fields: self.fields,
                file: self.file,
            }),
            _ => Err(FormError::Malformed("the body ended before the closing boundary")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk1\r\n\
        --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
        Content-Type: application/octet-stream\r\n\r\nhello\r\n--X world\r\n--XyZ--\r\n";

    #[test]
    fn a_body_reads_the_same_whatever_its_chunking() {
        let whole = {
            let mut p = Parser::new("XyZ");
            p.feed(BODY).unwrap();
            p.finish().unwrap()
        };
        assert_eq!(whole.fields, [("key".to_string(), "k1".to_string())]);
        let file = whole.file.clone().unwrap();
        assert_eq!((file.file_name.as_str(), file.size), ("a.txt", 16));
        assert_eq!(
            file.sha256,
            format!("{:x}", Sha256::digest(b"hello\r\n--X world"))
        );
        for size in 1..BODY.len() {
            let mut p = Parser::new("XyZ");
            for chunk in BODY.chunks(size) {
                p.feed(chunk).unwrap();
            }
            assert_eq!(p.finish().unwrap(), whole, "chunks of {size}");
        }
    }

    #[test]
    fn a_cut_body_or_a_part_after_the_file_is_refused() {
        let mut p = Parser::new("XyZ");
        p.feed(&BODY[..BODY.len() - 9]).unwrap();
        assert!(p.finish().is_err());
        let after = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\nx\r\n\
            --b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--b--";
        let mut p = Parser::new("b");
        assert_eq!(p.feed(after), Err(FormError::AfterFile("key".into())));
        assert_eq!(
            boundary("multipart/form-data; boundary=\"ab\""),
            Some("ab".into())
        );
        assert_eq!(boundary("application/json"), None);
    }
}
