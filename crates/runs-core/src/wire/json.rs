//! A JSON reader for the answers every run operation decodes: a run, and a page of runs.
//!
//! Why not serde: the run and the page are the hot path (every get, start, wait poll and list
//! page decodes one), and the one decoding a firmware image carries. serde's derived
//! decoders and serde_json's deserializer are about 35 KiB of a `no_std` image (see
//! docs/performance.md, "Firmware"), where this reader and the shapes it reads (a run, its
//! outputs, a page) are a fraction of that. The models keep their serde derives for users' own
//! code; the proptests in `tests/invariants.rs` and `fuzz/decode_run.rs` hold the two decoders
//! to the same answers over any input.
//!
//! The reader is a cursor over the text with one method per kind of JSON it expects next; a
//! shape is read by code that asks for its fields in turn ([`Reader::object`]). It reads what
//! RFC 8259 defines and nothing more, as serde_json does, with serde_json's vocabulary in its
//! errors. Where they differ, it is stricter: a body must be UTF-8 as a whole (serde_json
//! checks only the strings it keeps).
//!
//! It is the crate's one JSON reader: `JsonValue` also checks its text with it, and walks it
//! with it to serialize a value into other formats.
//!
//! Values kept as JSON text ([`Reader::value`], for a run's outputs) are held to what
//! `JsonValue` promises: serde_json reads them as a `Value`, so a lone surrogate escape or a
//! number beyond an `f64`'s range is refused there. A value skipped (an unknown field) is held
//! only to JSON's grammar, as serde_json holds one.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::{Quoted, one_line};

/// Arrays and objects nested this deep in a document are refused, counted from its root, as
/// serde_json refuses them (127 levels are read), so no input can exhaust the stack.
const MAX_DEPTH: u32 = 128;

/// The smallest magnitude that rounds to infinity as an `f64`, as digits: halfway between
/// `f64::MAX` and 2^1024, which is (2^54 - 1) * 2^970, 309 digits before the decimal point.
/// A number at or above it is beyond an `f64`'s range; every number below it rounds to a
/// finite one.
const F64_OVERFLOW_DIGITS: &[u8] = b"179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

/// Where and why the text could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error {
    message: Cow<'static, str>,
    /// The field or item the error is in (`items[3].status`), empty at the top level.
    path: String,
    /// 1-based, as serde_json counts: the line and the column of the byte read last.
    line: usize,
    column: usize,
    eof: bool,
}

impl Error {
    /// Whether the text ended early: a truncated body rather than a malformed one.
    pub(crate) fn is_eof(&self) -> bool {
        self.eof
    }

    /// The error as met inside `segment` (a field's name, or `[index]`).
    #[cold]
    #[inline(never)]
    fn within(mut self, segment: &str) -> Self {
        if !self.path.is_empty() && !self.path.starts_with('[') {
            self.path.insert(0, '.');
        }
        self.path.insert_str(0, segment);
        self
    }

    /// The error as met in an array's item `index`.
    #[cold]
    #[inline(never)]
    fn within_item(self, index: usize) -> Self {
        self.within(&format!("[{index}]"))
    }

    /// What is wrong and where in the shape, without the position in the text: for a value
    /// read on its own, whose position means nothing in the document it came from.
    pub(crate) fn detail(&self) -> String {
        match self.path.as_str() {
            "" => self.message.clone().into_owned(),
            path => format!("{} in `{path}`", self.message),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.detail(),
            self.line,
            self.column
        )
    }
}

/// A cursor over JSON text.
pub(crate) struct Reader<'a> {
    text: &'a str,
    at: usize,
    /// How many arrays and objects the cursor is in.
    depth: u32,
}

/// Reads one whole document with `read`: only whitespace may follow what it reads.
pub(crate) fn read_document<'a, T>(
    bytes: &'a [u8],
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, Error>,
) -> Result<T, Error> {
    let text = core::str::from_utf8(bytes).map_err(|e| {
        // The position is counted in the valid prefix, which is text.
        let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
        let text = core::str::from_utf8(valid).unwrap_or_default();
        let at_end = Reader {
            text,
            at: text.len(),
            depth: 0,
        };
        // Only a sequence cut off by the end of the body is a truncation.
        match e.error_len() {
            None => at_end.eof("a string"),
            Some(_) => at_end.fail("invalid UTF-8"),
        }
    })?;
    let mut reader = Reader {
        text,
        at: 0,
        depth: 0,
    };
    let value = read(&mut reader)?;
    match reader.peek() {
        None => Ok(value),
        Some(_) => Err(reader.fail("trailing characters")),
    }
}

/// Checks that `text` is one JSON value that serde_json reads as a `Value`: JSON's grammar,
/// no lone surrogate escape, no number beyond an `f64`'s range.
pub(crate) fn check_value(text: &str) -> Result<(), Error> {
    read_document(text.as_bytes(), |r| r.value().map(drop))
}

/// Sets `slot` from `read`, unless the field was set already, as serde refuses a key twice.
pub(crate) fn once<'a, T>(
    slot: &mut Option<T>,
    name: &'static str,
    r: &mut Reader<'a>,
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, Error>,
) -> Result<(), Error> {
    if slot.is_some() {
        return Err(r.field_error("duplicate", name));
    }
    *slot = Some(read(r)?);
    Ok(())
}

/// The field's value, or the error serde gives for a required field left out.
pub(crate) fn required<T>(slot: Option<T>, name: &'static str, r: &Reader<'_>) -> Result<T, Error> {
    slot.ok_or_else(|| r.field_error("missing", name))
}

/// An optional field's value: `null` is its absence.
pub(crate) fn nullable<'a, T>(
    r: &mut Reader<'a>,
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, Error>,
) -> Result<Option<T>, Error> {
    if r.null()? { Ok(None) } else { read(r).map(Some) }
}

/// Writes `text` as a JSON string, escaped as serde_json escapes it: a quote, a backslash and
/// the control characters, the common ones by their short escapes.
pub(crate) fn write_string(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(text.len() + 2);
    out.push(b'"');
    let mut run = 0;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0x08 => b'b',
            0x0c => b'f',
            0..=0x1f => 0,
            _ => continue,
        };
        out.extend_from_slice(text.as_bytes().get(run..i).unwrap_or_default());
        run = i + 1;
        match short {
            0 => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 15)],
            ]),
            c => out.extend_from_slice(&[b'\\', c]),
        }
    }
    out.extend_from_slice(text.as_bytes().get(run..).unwrap_or_default());
    out.push(b'"');
}

/// An array of strings (a run's `file_ids`).
pub(crate) fn strings(r: &mut Reader<'_>) -> Result<Vec<String>, Error> {
    let mut all = Vec::new();
    r.array("a sequence", &mut |r| r.string().map(|s| all.push(s.into())))?;
    Ok(all)
}

/// How closely a value is checked: [`Strict`](Check::Strict) for one kept as text, to
/// `JsonValue`'s promise; [`Grammar`](Check::Grammar) for one skipped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    Strict,
    Grammar,
}

impl<'a> Reader<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next byte after any whitespace, not consumed: what kind of value comes next.
    pub(crate) fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.bytes().get(self.at) {
            self.at += 1;
        }
        self.bytes().get(self.at).copied()
    }

    #[cold]
    fn error(&self, message: impl Into<Cow<'static, str>>, eof: bool) -> Error {
        let before = self.bytes().get(..self.at).unwrap_or_default();
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        Error {
            message: message.into(),
            path: String::new(),
            line,
            // The column of the byte at the cursor, counted from 1, as serde_json counts.
            column: self.at - line_start + usize::from(!eof),
            eof,
        }
    }

    /// An error at the cursor.
    #[cold]
    pub(crate) fn fail(&self, message: impl Into<Cow<'static, str>>) -> Error {
        self.error(message, false)
    }

    /// `missing field` or `duplicate field`, as serde says them.
    #[cold]
    pub(crate) fn field_error(&self, what: &'static str, name: &'static str) -> Error {
        self.fail(format!("{what} field `{name}`"))
    }

    #[cold]
    fn eof(&self, parsing: &'static str) -> Error {
        self.error(format!("EOF while parsing {parsing}"), true)
    }

    /// `expected` was wanted where the text holds something else.
    #[cold]
    fn invalid_type(&mut self, expected: &'static str) -> Error {
        let found = match self.peek() {
            None => return self.eof("a value"),
            Some(b'"') => "string",
            Some(b'{') => "map",
            Some(b'[') => "sequence",
            Some(b't' | b'f') => "boolean",
            Some(b'n') => "null",
            Some(b'-' | b'0'..=b'9') => "number",
            Some(_) => return self.fail("expected value"),
        };
        // What the text holds must still be JSON, or that is the error to report.
        let start = self.at;
        if let Err(e) = self.scan(Check::Grammar) {
            return e;
        }
        // A string, number or boolean is shown, as serde shows it, so a person can see what
        // came. Cut well past the 300 characters an error keeps (`DecodeError`), so a secret
        // cut here is cut there too, after it is scrubbed.
        let end = self.at;
        let shown = match found {
            "string" => {
                self.at = start;
                let text = self.string_at_quote(Check::Grammar, true).unwrap_or_default();
                self.at = end;
                format!(" {}", Quoted(&one_line(&text, 1000)))
            }
            "number" | "boolean" => format!(" `{}`", self.text.get(start..end).unwrap_or_default()),
            _ => String::new(),
        };
        self.fail(format!("invalid type: {found}{shown}, expected {expected}"))
    }

    /// Consumes `null` if it is next: an optional field's absence.
    pub(crate) fn null(&mut self) -> Result<bool, Error> {
        if self.peek() != Some(b'n') {
            return Ok(false);
        }
        self.literal(b"null")?;
        Ok(true)
    }

    /// Reads an object, calling `field` with each key and the reader placed at its value,
    /// which `field` must read (or [`skip`](Self::skip)). `expected` names the object in an
    /// error when something else is there.
    #[inline(never)]
    pub(crate) fn object(
        &mut self,
        expected: &'static str,
        field: &mut dyn FnMut(&mut Self, &str) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.peek() != Some(b'{') {
            return Err(self.invalid_type(expected));
        }
        if self.open(b'}')? {
            return Ok(());
        }
        loop {
            let key = self.key(Check::Strict, true)?;
            field(self, &key).map_err(|e| e.within(&key))?;
            if self.after_item(b'}', "an object")? {
                self.close();
                return Ok(());
            }
        }
    }

    /// Reads an array, calling `item` with the reader placed at each item, which `item`
    /// must read. `expected` names the array in an error when something else is there.
    #[inline(never)]
    pub(crate) fn array(
        &mut self,
        expected: &'static str,
        item: &mut dyn FnMut(&mut Self) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.peek() != Some(b'[') {
            return Err(self.invalid_type(expected));
        }
        if self.open(b']')? {
            return Ok(());
        }
        let mut index = 0usize;
        loop {
            item(self).map_err(|e| e.within_item(index))?;
            index += 1;
            if self.after_item(b']', "a list")? {
                self.close();
                return Ok(());
            }
        }
    }

    /// A string's contents, unescaped; borrowed from the text when it holds no escape.
    pub(crate) fn string(&mut self) -> Result<Cow<'a, str>, Error> {
        if self.peek() != Some(b'"') {
            return Err(self.invalid_type("a string"));
        }
        self.string_at_quote(Check::Strict, true)
    }

    /// A string read by `parse`, whose error (a field's rule) becomes this reader's.
    pub(crate) fn parsed<T>(
        &mut self,
        parse: impl FnOnce(Cow<'a, str>) -> Result<T, crate::validation::FieldError>,
    ) -> Result<T, Error> {
        let text = self.string()?;
        parse(text).map_err(|e| self.broken_rule(&e))
    }

    /// A string that is an id for `field` (`run_id`, `agent_id`, `process_id`): checked here,
    /// for every kind of id alike, so that each id type needs no reader of its own.
    pub(crate) fn id(&mut self, field: &'static str) -> Result<String, Error> {
        self.parsed(|text| crate::id::check_id(field, &text).map(|()| text.into_owned()))
    }

    /// A string that broke `rule`, as an error here.
    #[cold]
    fn broken_rule(&self, rule: &crate::validation::FieldError) -> Error {
        self.fail(format!("{rule}"))
    }

    /// One JSON value of any kind, as its text (without the whitespace around it), held to
    /// what a `JsonValue` promises (see the module's docs).
    pub(crate) fn value(&mut self) -> Result<&'a str, Error> {
        if self.peek().is_none() {
            return Err(self.eof("a value"));
        }
        let start = self.at;
        self.scan(Check::Strict)?;
        // Both ends are at ASCII bytes (a value's first and the one after its last), so on
        // char boundaries.
        Ok(self.text.get(start..self.at).unwrap_or_default())
    }

    /// Passes over one JSON value of any kind, held to JSON's grammar: an unknown field's.
    pub(crate) fn skip(&mut self) -> Result<(), Error> {
        self.scan(Check::Grammar)
    }

    /// After an object's member or an array's item: `true` at the closing `close`, `false`
    /// past a comma with another to come.
    fn after_item(&mut self, close: u8, parsing: &'static str) -> Result<bool, Error> {
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                match self.peek() {
                    Some(b) if b == close => Err(self.fail("trailing comma")),
                    _ => Ok(false),
                }
            }
            Some(b) if b == close => {
                self.at += 1;
                Ok(true)
            }
            None => Err(self.eof(parsing)),
            Some(_) if close == b'}' => Err(self.fail("expected `,` or `}`")),
            Some(_) => Err(self.fail("expected `,` or `]`")),
        }
    }

    /// An object's key (unescaped when `keep`) and the colon after it.
    fn key(&mut self, check: Check, keep: bool) -> Result<Cow<'a, str>, Error> {
        match self.peek() {
            Some(b'"') => {}
            None => return Err(self.eof("an object")),
            Some(_) => return Err(self.fail("key must be a string")),
        }
        let key = self.string_at_quote(check, keep)?;
        match self.peek() {
            Some(b':') => {
                self.at += 1;
                Ok(key)
            }
            None => Err(self.eof("an object")),
            Some(_) => Err(self.fail("expected `:`")),
        }
    }

    /// Past the `{` or `[` at the cursor, one level deeper, unless that is too deep: `true`
    /// when `close` follows at once (an empty container), which is then passed and the level
    /// left again.
    fn open(&mut self, close: u8) -> Result<bool, Error> {
        if self.depth + 1 >= MAX_DEPTH {
            return Err(self.fail("recursion limit exceeded"));
        }
        self.depth += 1;
        self.at += 1;
        if self.peek() != Some(close) {
            return Ok(false);
        }
        self.at += 1;
        self.close();
        Ok(true)
    }

    /// Past the closing `}` or `]` (which [`after_item`](Self::after_item) or the caller
    /// consumed), one level up.
    fn close(&mut self) {
        self.depth -= 1;
    }

    /// Any value, checked as `check` says.
    fn scan(&mut self, check: Check) -> Result<(), Error> {
        let close = match self.peek() {
            None => return Err(self.eof("a value")),
            Some(b'"') => return self.string_at_quote(check, false).map(drop),
            Some(b'-' | b'0'..=b'9') => return self.number(check),
            Some(b't') => return self.literal(b"true"),
            Some(b'f') => return self.literal(b"false"),
            Some(b'n') => return self.literal(b"null"),
            Some(b'[') => b']',
            Some(b'{') => b'}',
            Some(_) => return Err(self.fail("expected value")),
        };
        if self.open(close)? {
            return Ok(());
        }
        let parsing = if close == b'}' { "an object" } else { "a list" };
        loop {
            if close == b'}' {
                self.key(check, false)?;
            }
            self.scan(check)?;
            if self.after_item(close, parsing)? {
                self.close();
                return Ok(());
            }
        }
    }

    /// `true`, `false` or `null`, whose first byte is at the cursor.
    fn literal(&mut self, word: &'static [u8]) -> Result<(), Error> {
        for &expected in word {
            match self.bytes().get(self.at) {
                Some(&b) if b == expected => self.at += 1,
                None => return Err(self.eof("a value")),
                Some(_) => return Err(self.fail("expected ident")),
            }
        }
        Ok(())
    }

    /// The string whose opening quote is at the cursor; its contents (when `keep`) unescaped.
    fn string_at_quote(&mut self, check: Check, keep: bool) -> Result<Cow<'a, str>, Error> {
        self.at += 1;
        let mut owned: Option<String> = None;
        let mut run = self.at;
        loop {
            let Some(&b) = self.bytes().get(self.at) else {
                return Err(self.eof("a string"));
            };
            match b {
                b'"' => {
                    // Quotes and backslashes are ASCII, so every slice here is on char
                    // boundaries.
                    let tail = self.text.get(run..self.at).unwrap_or_default();
                    self.at += 1;
                    return Ok(match owned {
                        Some(mut s) => {
                            s.push_str(tail);
                            Cow::Owned(s)
                        }
                        None if keep => Cow::Borrowed(tail),
                        None => Cow::Borrowed(""),
                    });
                }
                b'\\' => {
                    let before = self.text.get(run..self.at).unwrap_or_default();
                    self.at += 1;
                    let c = self.escape(check)?;
                    if keep {
                        let s = owned.get_or_insert_with(|| String::with_capacity(before.len() + 8));
                        s.push_str(before);
                        s.extend(c);
                    }
                    run = self.at;
                }
                0..=0x1f => {
                    return Err(self.fail("control character (\\u0000-\\u001F) found while parsing a string"));
                }
                _ => self.at += 1,
            }
        }
    }

    /// The escape after a backslash; `None` for a `\u` escape of a surrogate, which is kept
    /// only when strings are not (`Grammar` checks, and no string is kept then).
    fn escape(&mut self, check: Check) -> Result<Option<char>, Error> {
        let Some(&b) = self.bytes().get(self.at) else {
            return Err(self.eof("a string"));
        };
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                self.at += 1;
                return self.unicode_escape(check);
            }
            _ => return Err(self.fail("invalid escape")),
        };
        self.at += 1;
        Ok(Some(c))
    }

    /// The code point of a `\u` escape (and of the low surrogate's escape that must follow a
    /// high one), the `\u` read.
    fn unicode_escape(&mut self, check: Check) -> Result<Option<char>, Error> {
        let unit = self.hex4()?;
        if check == Check::Grammar {
            return Ok(char::from_u32(unit));
        }
        match unit {
            0xD800..=0xDBFF => {
                match self.bytes().get(self.at..).unwrap_or_default() {
                    rest if rest.starts_with(b"\\u") => {}
                    // The text ends where the low half's escape should be.
                    rest if b"\\u".starts_with(rest) => {
                        self.at = self.text.len();
                        return Err(self.eof("a string"));
                    }
                    _ => return Err(self.fail("lone leading surrogate in hex escape")),
                }
                self.at += 2;
                let low = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.fail("lone leading surrogate in hex escape"));
                }
                Ok(char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)))
            }
            0xDC00..=0xDFFF => Err(self.fail("lone trailing surrogate in hex escape")),
            _ => Ok(char::from_u32(unit)),
        }
    }

    /// Four hex digits.
    fn hex4(&mut self) -> Result<u32, Error> {
        let mut unit = 0;
        for _ in 0..4 {
            let Some(&b) = self.bytes().get(self.at) else {
                return Err(self.eof("a string"));
            };
            let digit = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(self.fail("invalid escape")),
            };
            self.at += 1;
            unit = unit * 16 + u32::from(digit);
        }
        Ok(unit)
    }

    /// A number, whose first byte is at the cursor: JSON's grammar, and with `Strict` checks
    /// within an `f64`'s range.
    fn number(&mut self, check: Check) -> Result<(), Error> {
        if self.bytes().get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        let int_start = self.at;
        match self.bytes().get(self.at) {
            Some(b'0') => {
                self.at += 1;
                if self.bytes().get(self.at).is_some_and(u8::is_ascii_digit) {
                    return Err(self.fail("invalid number"));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            None => return Err(self.eof("a value")),
            Some(_) => return Err(self.fail("invalid number")),
        }
        let int_end = self.at;
        let mut frac = int_end..int_end;
        if self.bytes().get(self.at) == Some(&b'.') {
            self.at += 1;
            frac = self.at..self.at;
            self.required_digits()?;
            frac.end = self.at;
        }
        let mut exponent = 0i64;
        if let Some(b'e' | b'E') = self.bytes().get(self.at) {
            self.at += 1;
            let negative = match self.bytes().get(self.at) {
                Some(b'-') => {
                    self.at += 1;
                    true
                }
                Some(b'+') => {
                    self.at += 1;
                    false
                }
                _ => false,
            };
            let start = self.at;
            self.required_digits()?;
            // Saturating: an exponent past a trillion is as out of range as one at it.
            for &d in self.bytes().get(start..self.at).unwrap_or_default() {
                exponent = (exponent * 10 + i64::from(d - b'0')).min(1_000_000_000_000);
            }
            if negative {
                exponent = -exponent;
            }
        }
        let bytes = self.bytes();
        if check == Check::Strict
            && overflows_f64(
                bytes.get(int_start..int_end).unwrap_or_default(),
                bytes.get(frac).unwrap_or_default(),
                exponent,
            )
        {
            return Err(self.fail("number out of range"));
        }
        Ok(())
    }

    fn digits(&mut self) {
        while self.bytes().get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
    }

    /// At least one digit, as after a decimal point or an exponent's `e`.
    fn required_digits(&mut self) -> Result<(), Error> {
        match self.bytes().get(self.at) {
            Some(b'0'..=b'9') => {
                self.digits();
                Ok(())
            }
            None => Err(self.eof("a value")),
            Some(_) => Err(self.fail("invalid number")),
        }
    }
}

/// Whether `int.frac × 10^exponent` (digits as JSON writes them) rounds to infinity as an
/// `f64`: whether it is at or above [`F64_OVERFLOW_DIGITS`].
fn overflows_f64(int: &[u8], frac: &[u8], exponent: i64) -> bool {
    let digits = || int.iter().chain(frac).copied();
    let Some(leading_zeros) = digits().position(|d| d != b'0') else {
        return false; // zero, whatever its exponent
    };
    // The value is 0.d1d2d3… × 10^magnitude, d1 not zero.
    let magnitude =
        i64::try_from(int.len()).unwrap_or(i64::MAX) - i64::try_from(leading_zeros).unwrap_or(0) + exponent;
    let limit = i64::try_from(F64_OVERFLOW_DIGITS.len()).unwrap_or(i64::MAX);
    if magnitude != limit {
        return magnitude > limit;
    }
    // Same magnitude: compare digit by digit, the shorter padded with zeros.
    let mut significant = digits().skip(leading_zeros);
    for &bound in F64_OVERFLOW_DIGITS {
        let d = significant.next().unwrap_or(b'0');
        if d != bound {
            return d > bound;
        }
    }
    true // equal to the bound up to its length: at or above it
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use proptest::prelude::*;

    /// The error of checking `text` as a value kept as text.
    fn refusal(text: &str) -> String {
        check_value(text).unwrap_err().to_string()
    }

    #[test]
    fn errors_say_what_is_wrong_where_in_serde_jsons_words() {
        assert_eq!(refusal(""), "EOF while parsing a value at line 1 column 0");
        assert_eq!(refusal("[1,]"), "trailing comma at line 1 column 4");
        assert_eq!(refusal("{\"a\" 1}"), "expected `:` at line 1 column 6");
        assert_eq!(
            refusal("{\"a\":1\n  \"b\":2}"),
            "expected `,` or `}` at line 2 column 3"
        );
        assert_eq!(refusal("[1 2]"), "expected `,` or `]` at line 1 column 4");
        assert_eq!(refusal("{1:2}"), "key must be a string at line 1 column 2");
        assert_eq!(refusal("nul"), "EOF while parsing a value at line 1 column 3");
        assert_eq!(refusal("nulx"), "expected ident at line 1 column 4");
        assert_eq!(refusal("01"), "invalid number at line 1 column 2");
        assert_eq!(refusal("1.e5"), "invalid number at line 1 column 3");
        assert_eq!(refusal("+1"), "expected value at line 1 column 1");
        assert_eq!(refusal("1 2"), "trailing characters at line 1 column 3");
        assert_eq!(refusal("\"a\\x\""), "invalid escape at line 1 column 4");
        assert_eq!(
            refusal("\"a\u{1}\""),
            "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 3"
        );
        assert_eq!(
            refusal("\"\\ud800\""),
            "lone leading surrogate in hex escape at line 1 column 8"
        );
        assert_eq!(
            refusal("\"\\ud800\\u0041\""),
            "lone leading surrogate in hex escape at line 1 column 14"
        );
        assert_eq!(
            refusal("\"\\udc00\""),
            "lone trailing surrogate in hex escape at line 1 column 8"
        );
        assert_eq!(
            refusal("\"\\ud800\\"),
            "EOF while parsing a string at line 1 column 8"
        );
        assert_eq!(refusal("1e400"), "number out of range at line 1 column 6");
        assert_eq!(
            refusal("{\"a\": [1, {\"b\""),
            "EOF while parsing an object at line 1 column 14"
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_shown_as_serde_shows_it() {
        let wrong = |text: &str| {
            read_document(text.as_bytes(), |r| r.string().map(drop))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(wrong(r#""#), "EOF while parsing a value at line 1 column 0");
        assert_eq!(
            wrong(r#" 12.5e3 "#),
            "invalid type: number `12.5e3`, expected a string at line 1 column 8"
        );
        assert_eq!(
            wrong(r#"true"#),
            "invalid type: boolean `true`, expected a string at line 1 column 5"
        );
        assert_eq!(
            wrong(r#"{"a": [null]}"#),
            "invalid type: map, expected a string at line 1 column 14"
        );
        assert_eq!(wrong(r#"[1, 2"#), "EOF while parsing a list at line 1 column 5");
        let sequence = |text: &str| {
            read_document(text.as_bytes(), |r| r.array("a sequence", &mut |r| r.skip()))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            sequence(r#""tab\t \"quoted\" \u202e""#),
            r#"invalid type: string "tab  \"quoted\" \u{202e}", expected a sequence at line 1 column 26"#
        );
    }

    #[test]
    fn a_body_must_be_utf8_and_a_sequence_cut_at_the_end_is_a_truncation() {
        let invalid = read_document(b"\"caf\xe9 au lait\"", |r| r.string().map(drop)).unwrap_err();
        assert_eq!(invalid.to_string(), "invalid UTF-8 at line 1 column 5");
        assert!(!invalid.is_eof());
        let cut = read_document(b"\"caf\xc3", |r| r.string().map(drop)).unwrap_err();
        assert!(cut.is_eof(), "{cut}");
    }

    #[test]
    fn a_string_is_borrowed_unless_it_has_an_escape_and_escapes_are_read() {
        let text = br#"["plain", "tab\there \u00e9 \ud83d\ude00 \"q\" \\ \/"]"#;
        let strings = read_document(text, |r| {
            let mut all = Vec::new();
            r.array("a sequence", &mut |r| r.string().map(|s| all.push(s)))?;
            Ok(all)
        })
        .unwrap();
        assert!(matches!(strings[0], Cow::Borrowed("plain")));
        assert_eq!(strings[1], "tab\there é 😀 \"q\" \\ /");
    }

    #[test]
    fn nesting_past_the_limit_is_refused_without_exhausting_the_stack() {
        let deep = |n: usize| alloc::format!("{}{}", "[".repeat(n), "]".repeat(n));
        let by_serde = |text: &str| {
            serde_json::from_str::<serde_json::Value>(text)
                .map(drop)
                .map_err(|e| e.to_string())
        };
        assert!(check_value(&deep(127)).is_ok());
        assert!(by_serde(&deep(127)).is_ok());
        assert_eq!(Err(refusal(&deep(128))), by_serde(&deep(128)));
        assert_eq!(
            refusal(&deep(100_000)),
            "recursion limit exceeded at line 1 column 128"
        );
        // Counted from the document's root, the levels of a run's shape included.
        let output = |n: usize| alloc::format!(r#"{{"outputs": [{{"name": "x", "value": {}}}]}}"#, deep(n));
        let read = |text: &str| {
            read_document(text.as_bytes(), |r| {
                r.object("struct Run", &mut |r, _| {
                    r.array("a sequence", &mut |r| {
                        r.object("struct NameValue", &mut |r, _| r.value().map(drop))
                    })
                })
            })
        };
        assert!(read(&output(124)).is_ok());
        assert!(read(&output(125)).is_err());
    }

    #[test]
    fn skipped_values_are_held_to_the_grammar_only() {
        // As serde_json passes over an unknown field: a lone surrogate and a huge number are
        // JSON, though not a `Value`.
        let skip = |text: &str| read_document(text.as_bytes(), |r| r.skip());
        assert!(skip(r#"{"a": "\ud800", "b": 1e400}"#).is_ok());
        assert!(skip(r#"{"a": "\x"}"#).is_err());
        assert!(check_value(r#"{"a": "\ud800"}"#).is_err());
    }

    #[test]
    fn the_range_bound_is_exactly_where_an_f64_overflows() {
        let bound = core::str::from_utf8(F64_OVERFLOW_DIGITS).unwrap();
        let below = alloc::format!("{}1", &bound[..bound.len() - 1]);
        // The bound ends in ...792, so ...791 is below it.
        assert!(check_value(&below).is_ok());
        assert!(check_value(bound).is_err());
        assert!(check_value(&alloc::format!("-{bound}.0")).is_err());
        assert!(check_value(&alloc::format!("0.{bound}e309")).is_err());
        assert!(check_value(&alloc::format!("0.000{below}e312")).is_ok());
        assert!(check_value("0e99999999999999999999999").is_ok());
        assert!(check_value("1e-99999999999999999999999").is_ok());
        assert!(check_value("-0.0000e400").is_ok());
    }

    proptest! {
        /// Held against the standard library's reading (correctly rounded), not serde_json's,
        /// which without its `float_roundtrip` feature may be an ulp off at the very edge.
        #[test]
        fn a_number_is_refused_exactly_when_it_rounds_to_an_infinite_f64(
            int in "0|[1-9][0-9]{0,20}", frac in prop::option::of("[0-9]{1,20}"), exp in -400i32..400,
            edge in prop::option::of("17976931348623157[0-9]{0,8}|17976931348623158[0-9]{0,8}"),
        ) {
            let text = match edge {
                // Near the edge: d.ddd…e308.
                Some(digits) => alloc::format!("{}.{}e308", &digits[..1], &digits[1..]),
                None => alloc::format!("{int}{}e{exp}", frac.map(|f| alloc::format!(".{f}")).unwrap_or_default()),
            };
            let infinite = text.parse::<f64>().unwrap().is_infinite();
            prop_assert_eq!(check_value(&text).is_err(), infinite, "{}", text);
        }

        #[test]
        fn strings_are_written_as_serde_json_writes_them(text in "(\\PC|[\\x00-\\x1f\\x7f\"\\\\])*") {
            let mut out = Vec::new();
            write_string(&mut out, &text);
            prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&text).unwrap());
        }

        /// Any text: accepted exactly when serde_json reads it as a `Value`.
        #[test]
        fn a_value_is_accepted_exactly_when_serde_json_reads_it(
            text in r#"(\[|\]|\{|\}|,|:| |\n|"a"|"\\ud800"|"\\udc00"|"\\ud83d\\ude00"|"\\u00e9"|"\\x"|"\\"|"é"|1e400|-1E-400|1e5|-0|01|1\.|2\.5|0|nul|null|true|fals){0,12}"#,
        ) {
            let by_serde = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            prop_assert_eq!(check_value(&text).is_ok(), by_serde, "{}", text);
        }
    }
}
