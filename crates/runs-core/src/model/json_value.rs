//! An exact JSON value: a run's inputs and outputs kept as the JSON text they were written in.
//!
//! `serde_json::Value` keeps a number as an `i64`, a `u64` or an `f64`, so an integer with more
//! digits than an `f64` holds (`123456789012345678901234567890`) or a long decimal
//! (`3.14159265358979323846264338327950288`) comes out changed. serde_json's
//! `arbitrary_precision` feature would keep them, but it is global to a program's build and
//! changes how every `Value` serializes through other formats (see docs/decisions.md), so the
//! SDK keeps each value's text instead, in a [`JsonValue`].
//!
//! ```
//! use runs_core::JsonValue;
//!
//! let big: JsonValue = "123456789012345678901234567890".parse()?;
//! assert_eq!(big.as_str(), "123456789012345678901234567890");
//! assert_eq!(big.parse::<u128>()?, 123456789012345678901234567890);
//! assert_eq!(runs_core::serde_json::to_string(&big)?, "123456789012345678901234567890");
//!
//! // Convenient conversions for inputs.
//! assert_eq!(JsonValue::from("2026-03").as_str(), r#""2026-03""#);
//! assert_eq!(JsonValue::from(5).as_str(), "5");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod tree;

use alloc::borrow::{Cow, ToOwned};
use alloc::boxed::Box;
use alloc::string::{String, ToString};
use core::fmt;
use core::str::FromStr;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;
use tree::Node;

/// A JSON value held as its exact text, so numbers of any size or precision survive.
///
/// Holds any JSON that serde_json reads: its strings are valid Unicode (no lone surrogate
/// escapes) and its numbers are within an `f64`'s range (up to about `1.8e308`), though not
/// bound by its precision. Text outside that is refused where the value is made, as
/// `serde_json::Value` refuses it.
///
/// - [`as_str`](Self::as_str) and `Display` give the text exactly as received or made.
/// - [`parse`](Self::parse) reads it into any `Deserialize` type from that text, so a `u128`,
///   an `i128` or a decimal type of your own gets every digit.
/// - [`to_value`](Self::to_value) gives a `serde_json::Value`, which may round numbers.
///
/// **Serializing.** The value is written as JSON structure (objects with their keys in order,
/// arrays, strings, booleans, null) through whatever serializer is given, so pretty-printing
/// indents it and other formats (YAML, CBOR, insta's snapshots) see ordinary values. A number
/// is written as an `i64`/`u64`, or as an `f64` when that `f64` prints back to the same text;
/// any other number (more digits than those hold, or a form such as `1e5` or `1.50`) is
/// written through serde_json's raw-value path. serde_json's writer then copies its text, so
/// JSON output is exact for every number; `serde_json::to_value` reads it as an `f64`; any
/// other format sees serde_json's private raw-value struct
/// (`{"$serde_json::private::RawValue": "123456789012345678901234567890"}`), which keeps the
/// digits. Strings are escaped the way serde_json escapes them, whatever escapes the text had.
///
/// **Reading.** `Deserialize` works with serde_json's deserializers (from text, where the
/// text is kept exactly, and from a `serde_json::Value`); other formats are refused.
///
/// **Equality** compares the JSON, not the spacing: two values are equal when they are the
/// same text apart from whitespace and how strings are escaped. Numbers compare by their
/// text (`1.0` is not `1.00`) and object keys by their order.
#[derive(Clone)]
pub struct JsonValue(Box<str>);

impl JsonValue {
    /// The value's JSON text, exactly as received or made.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value as a `serde_json::Value`. Numbers become `i64`, `u64` or `f64` as serde_json
    /// reads them, so one with more digits than an `f64` holds is rounded; use
    /// [`parse`](Self::parse) or [`as_str`](Self::as_str) to keep it exact.
    pub fn to_value(&self) -> Value {
        // Every JsonValue's text was read as a `Value` when it was made.
        serde_json::from_str(self.as_str()).unwrap_or(Value::Null)
    }

    /// The value read into a `T`, from its exact text: `u128`, `i128`, a `String` or your own
    /// `#[derive(Deserialize)]` type.
    ///
    /// ```
    /// # use runs_core::JsonValue;
    /// let v: JsonValue = "-98765432109876543210987654321".parse()?;
    /// assert_eq!(v.parse::<i128>()?, -98765432109876543210987654321);
    /// assert!(v.parse::<i64>().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(self.as_str())
    }

    /// Any `Serialize` value, written as JSON by serde_json (so a `u128` or `i128` keeps
    /// every digit). Fails when serde_json cannot write the value (a map whose keys are not
    /// strings, or a `Serialize` impl that fails).
    ///
    /// ```
    /// # use runs_core::JsonValue;
    /// let v = JsonValue::from_serialize(&u128::MAX)?;
    /// assert_eq!(v.as_str(), "340282366920938463463374607431768211455");
    /// # Ok::<(), runs_core::serde_json::Error>(())
    /// ```
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        Self::from_raw(serde_json::value::to_raw_value(value)?)
    }

    /// Checks the invariant: serde_json reads the text as a `Value`. `RawValue` alone accepts
    /// lone surrogate escapes and numbers beyond an `f64`'s range; those are refused here.
    fn from_raw(raw: Box<RawValue>) -> Result<Self, serde_json::Error> {
        let text = Box::<str>::from(raw);
        if may_not_read_as_value(&text) {
            crate::json::check_value(&text).map_err(|e| serde::de::Error::custom(e.detail()))?;
        }
        Ok(Self(text))
    }

    /// A value whose text the reader held to the invariant already ([`json::Reader::value`]).
    ///
    /// [`json::Reader::value`]: crate::json::Reader::value
    pub(crate) fn from_checked(text: &str) -> Self {
        Self(text.into())
    }

    /// The value's JSON as a tree whose numbers are their text.
    fn tree(&self) -> Option<Node<'_>> {
        tree::read(self.as_str())
    }

    /// The text in serde_json's compact form, numbers untouched; for comparing.
    fn compact(&self) -> Option<String> {
        serde_json::to_string(self).ok()
    }

    fn null() -> Self {
        Self("null".into())
    }

    /// A JSON string of `text`: any Rust string is one, so nothing is checked.
    fn string(text: &str) -> Self {
        let mut json = alloc::vec::Vec::with_capacity(text.len() + 2);
        crate::json::write_string(&mut json, text);
        // Written from a `str`, with ASCII escapes only: still UTF-8.
        Self(String::from_utf8(json).unwrap_or_default().into())
    }

    /// A value serde_json writes without failing (strings, numbers, booleans, a `Value`).
    fn written<T: Serialize + ?Sized>(value: &T) -> Self {
        Self::from_serialize(value).unwrap_or_else(|_| Self::null())
    }
}

impl fmt::Debug for JsonValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JsonValue").field(&self.as_str()).finish()
    }
}

/// The exact JSON text.
impl fmt::Display for JsonValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for JsonValue {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
            || match (self.compact(), other.compact()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            }
    }
}

impl Eq for JsonValue {}

/// Reads JSON text, keeping it exactly.
impl FromStr for JsonValue {
    type Err = serde_json::Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_raw(RawValue::from_string(text.to_owned())?)
    }
}

impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        Self::from_raw(raw).map_err(|e| D::Error::custom(without_position(&e)))
    }
}

impl Serialize for JsonValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.tree() {
            Some(node) => node.serialize(serializer),
            // Not reached: the text is valid JSON.
            None => Err(serde::ser::Error::custom("a JsonValue whose text is not JSON")),
        }
    }
}

impl From<Value> for JsonValue {
    fn from(value: Value) -> Self {
        Self::written(&value)
    }
}

impl From<&Value> for JsonValue {
    fn from(value: &Value) -> Self {
        Self::written(value)
    }
}

/// A JSON string.
impl From<&str> for JsonValue {
    fn from(text: &str) -> Self {
        Self::string(text)
    }
}

/// A JSON string.
impl From<String> for JsonValue {
    fn from(text: String) -> Self {
        Self::string(&text)
    }
}

/// A JSON string.
impl From<&String> for JsonValue {
    fn from(text: &String) -> Self {
        Self::string(text)
    }
}

/// A JSON string.
impl From<Cow<'_, str>> for JsonValue {
    fn from(text: Cow<'_, str>) -> Self {
        Self::string(&text)
    }
}

/// `true` or `false`.
impl From<bool> for JsonValue {
    fn from(value: bool) -> Self {
        Self(if value { "true" } else { "false" }.into())
    }
}

macro_rules! from_numbers {
    ($($t:ty),*) => {$(
        /// A JSON number, written exactly.
        impl From<$t> for JsonValue {
            fn from(value: $t) -> Self {
                // An integer's decimal digits are its JSON, as serde_json writes them.
                Self(value.to_string().into())
            }
        }
    )*};
}
from_numbers!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);

/// A JSON number; a NaN or an infinity is `null`, as serde_json writes them.
impl From<f64> for JsonValue {
    fn from(value: f64) -> Self {
        Self::written(&value)
    }
}

/// A JSON number; a NaN or an infinity is `null`, as serde_json writes them.
impl From<f32> for JsonValue {
    fn from(value: f32) -> Self {
        Self::written(&value)
    }
}

/// `null`.
impl From<()> for JsonValue {
    fn from((): ()) -> Self {
        Self::null()
    }
}

/// Whether JSON text that `RawValue` accepted could still be refused as a `Value`: only an
/// escape (a lone surrogate) or a number out of an `f64`'s range (an exponent, or a run of
/// hundreds of digits) can be. Every decoded output passes here, and most are plain strings
/// and numbers, so those skip the second parse, which costs an allocation per value.
fn may_not_read_as_value(text: &str) -> bool {
    let bytes = text.as_bytes();
    match bytes.first() {
        // A string: only an escape can be a lone surrogate.
        Some(b'"') => bytes.contains(&b'\\'),
        // A number: out of range only with an exponent, or with hundreds of digits.
        Some(b'-' | b'0'..=b'9') => bytes.len() > 300 || bytes.iter().any(|&b| b == b'e' || b == b'E'),
        Some(b't' | b'f' | b'n') => false,
        _ => may_hold_refused(bytes),
    }
}

/// [`may_not_read_as_value`] for an array or an object (or text with leading space): a
/// scan for an escape, an exponent or a long run of digits outside strings.
fn may_hold_refused(text: &[u8]) -> bool {
    let mut in_string = false;
    let mut digits = 0usize;
    let mut previous = 0u8;
    for &b in text {
        match b {
            b'\\' => return true,
            b'"' => in_string = !in_string,
            _ if in_string => {}
            b'0'..=b'9' => {
                digits += 1;
                // 1.8e308 is the largest f64: 300 digits in a row is near enough to check.
                if digits > 300 {
                    return true;
                }
            }
            b'e' | b'E' if previous.is_ascii_digit() || previous == b'.' => return true,
            _ => {}
        }
        if b != b'.' && !b.is_ascii_digit() {
            digits = 0;
        }
        previous = b;
    }
    false
}

/// serde_json's message without its " at line L column C", for an error whose position is
/// in some text the reader never saw (a value read on its own, a document built to read).
pub(crate) fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = alloc::format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(suffix.as_str()) {
        Some(message) if e.line() > 0 => message.into(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use proptest::prelude::*;

    const BIG: &str = "123456789012345678901234567890";
    const NEGATIVE: &str = "-98765432109876543210987654321";
    const PI: &str = "3.14159265358979323846264338327950288";

    fn exact(text: &str) -> JsonValue {
        text.parse().unwrap()
    }

    #[test]
    fn big_integers_and_long_decimals_are_written_back_exactly() {
        let text =
            format!(r#"{{"big": {BIG}, "neg": {NEGATIVE}, "pi": {PI}, "list": [1, 2.5, -3, 1e5, 1.50]}}"#);
        let v = exact(&text);
        assert_eq!(v.as_str(), text);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            format!(r#"{{"big":{BIG},"neg":{NEGATIVE},"pi":{PI},"list":[1,2.5,-3,1e5,1.50]}}"#)
        );
        let pretty = serde_json::to_string_pretty(&exact(&format!("[{BIG}]"))).unwrap();
        assert_eq!(pretty, format!("[\n  {BIG}\n]"));
    }

    #[test]
    fn a_serde_json_value_loses_the_digits_that_json_value_keeps() {
        // What this type is for: a Value rounds the same text.
        let rounded: Value = serde_json::from_str(BIG).unwrap();
        assert_ne!(rounded.to_string(), BIG);
        assert_eq!(exact(BIG).to_value(), rounded);
        assert_eq!(exact(BIG).to_string(), BIG);
    }

    #[test]
    fn parse_reads_128_bit_integers_exactly() {
        assert_eq!(
            exact(BIG).parse::<u128>().unwrap(),
            123_456_789_012_345_678_901_234_567_890
        );
        assert_eq!(
            exact(NEGATIVE).parse::<i128>().unwrap(),
            -98_765_432_109_876_543_210_987_654_321
        );
        assert!(exact(BIG).parse::<u64>().is_err());
    }

    #[test]
    fn a_big_number_in_a_value_built_by_to_value_is_rounded_not_refused() {
        // serde_json's `Value` serializer refuses a u128 above u64::MAX ("number out of range"),
        // and `json!` unwraps it: so big numbers go through the raw path, which it reads.
        let v = exact(&format!(r#"{{"x":{BIG}}}"#));
        let value = serde_json::to_value(&v).unwrap();
        assert_eq!(value, v.to_value());
        assert!(
            serde_json::to_value(u128::MAX).is_err(),
            "serde_json changed: revisit number()"
        );
        assert_eq!(
            serde_json::json!({"v": v})["v"]["x"].as_f64(),
            Some(1.2345678901234568e29)
        );
    }

    #[test]
    fn text_serde_json_cannot_read_as_a_value_is_refused() {
        assert!(r#""\ud800""#.parse::<JsonValue>().is_err(), "a lone surrogate");
        assert!("1e400".parse::<JsonValue>().is_err(), "beyond f64's range");
        assert!("[1,".parse::<JsonValue>().is_err());
        assert!(serde_json::from_str::<JsonValue>(r#""\ud800""#).is_err());
        assert_eq!(exact(r#""\ud83d\ude00""#).parse::<String>().unwrap(), "\u{1f600}");
    }

    #[test]
    fn only_text_that_could_be_refused_is_parsed_a_second_time() {
        let huge = alloc::format!("[1{}]", "0".repeat(400));
        assert!(
            huge.parse::<JsonValue>().is_err(),
            "400 digits are beyond f64's range"
        );
        assert!(r#"{"a":[2.5E400]}"#.parse::<JsonValue>().is_err());
        assert!(r#"{"a":"\udc00"}"#.parse::<JsonValue>().is_err());
        for plain in [
            r#""Processed 42 invoices""#,
            "42",
            "-1.5",
            "true",
            r#"[false,null,{"e":1}]"#,
        ] {
            assert!(!may_not_read_as_value(plain), "{plain}");
        }
        for suspect in ["1e5", "1.E5", r#""\n""#, huge.as_str()] {
            assert!(may_not_read_as_value(suspect), "{suspect}");
        }
    }

    #[test]
    fn equality_ignores_spacing_and_escapes_but_not_number_text_or_key_order() {
        assert_eq!(exact(r#"{ "a" : [1, "\u0041"] }"#), exact(r#"{"a":[1,"A"]}"#));
        assert_ne!(exact("1.0"), exact("1.00"));
        assert_ne!(exact(r#"{"a":1,"b":2}"#), exact(r#"{"b":2,"a":1}"#));
    }

    #[test]
    fn conversions_make_the_json_they_name() {
        assert_eq!(JsonValue::from("a\"b").as_str(), r#""a\"b""#);
        assert_eq!(JsonValue::from(String::from("s")).as_str(), r#""s""#);
        assert_eq!(JsonValue::from(true).as_str(), "true");
        assert_eq!(JsonValue::from(()).as_str(), "null");
        assert_eq!(JsonValue::from(f64::NAN).as_str(), "null");
        assert_eq!(JsonValue::from(-7i8).as_str(), "-7");
        assert_eq!(
            JsonValue::from(i128::MIN).as_str(),
            "-170141183460469231731687303715884105728"
        );
        assert_eq!(
            JsonValue::from(serde_json::json!({"b": 1, "a": [null]})).as_str(),
            r#"{"a":[null],"b":1}"#
        );
        let from_value: JsonValue = serde_json::from_value(serde_json::json!([1, "x"])).unwrap();
        assert_eq!(from_value.as_str(), r#"[1,"x"]"#);
    }

    #[test]
    fn from_serialize_keeps_128_bit_integers_and_field_order() {
        #[derive(Serialize)]
        struct S {
            z: u128,
            a: i128,
        }
        let v = JsonValue::from_serialize(&S {
            z: u128::MAX,
            a: i128::MIN,
        })
        .unwrap();
        assert_eq!(
            v.as_str(),
            r#"{"z":340282366920938463463374607431768211455,"a":-170141183460469231731687303715884105728}"#
        );
        let keys_not_strings: alloc::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        assert!(JsonValue::from_serialize(&keys_not_strings).is_err());
    }

    #[test]
    fn other_formats_see_plain_values_and_the_raw_struct_only_for_unheld_numbers() {
        let v = exact(&format!(
            r#"{{"s":"x","n":-3,"f":2.5,"l":[true,null],"big":{BIG}}}"#
        ));
        insta::assert_yaml_snapshot!(v);
    }

    /// JSON text with numbers of any size and precision, its compact form, and spacing.
    fn json_text() -> impl Strategy<Value = (String, String)> {
        let number = prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<u128>().prop_map(|n| n.to_string()),
            any::<i128>().prop_map(|n| n.to_string()),
            "-?[1-9][0-9]{0,60}",
            "-?(0|[1-9][0-9]{0,30})\\.[0-9]{1,40}",
            "-?[1-9](\\.[0-9]{1,20})?[eE][+-]?[0-9]{1,2}",
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| serde_json::to_string(&f).unwrap()),
        ];
        let space = prop_oneof![Just(""), Just(" "), Just("\n  ")];
        let leaf = prop_oneof![
            number.prop_map(|n| (n.clone(), n)),
            any::<String>().prop_map(|s| {
                let t = serde_json::to_string(&s).unwrap();
                (t.clone(), t)
            }),
            Just(("true".to_string(), "true".to_string())),
            Just(("null".to_string(), "null".to_string())),
        ];
        leaf.prop_recursive(4, 32, 6, move |inner| {
            let sp = space.clone();
            prop_oneof![
                (prop::collection::vec(inner.clone(), 0..6), sp.clone()).prop_map(|(items, sp)| {
                    let spaced: Vec<_> = items.iter().map(|(s, _)| s.as_str()).collect();
                    let compact: Vec<_> = items.iter().map(|(_, c)| c.as_str()).collect();
                    (
                        format!("[{sp}{}{sp}]", spaced.join(&format!("{sp},{sp}"))),
                        format!("[{}]", compact.join(",")),
                    )
                }),
                (prop::collection::vec(("[a-z]{0,3}", inner), 0..6), sp).prop_map(|(entries, sp)| {
                    let key = |k: &str| serde_json::to_string(k).unwrap();
                    let spaced: Vec<_> = entries
                        .iter()
                        .map(|(k, (s, _))| format!("{}{sp}:{sp}{s}", key(k)))
                        .collect();
                    let compact: Vec<_> = entries
                        .iter()
                        .map(|(k, (_, c))| format!("{}:{c}", key(k)))
                        .collect();
                    (
                        format!("{{{sp}{}{sp}}}", spaced.join(",")),
                        format!("{{{}}}", compact.join(",")),
                    )
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_json_text_is_written_back_exactly_apart_from_spacing((text, compact) in json_text()) {
            let v: JsonValue = text.parse().unwrap();
            prop_assert_eq!(v.as_str(), text.as_str());
            prop_assert_eq!(serde_json::to_string(&v).unwrap(), compact.clone());
            let again: JsonValue = serde_json::from_str(&serde_json::to_string_pretty(&v).unwrap()).unwrap();
            prop_assert_eq!(&again, &v);
            prop_assert_eq!(serde_json::to_string(&again).unwrap(), compact);
        }

        #[test]
        fn text_is_refused_exactly_when_serde_json_cannot_read_it_as_a_value(
            text in r#"(\[|\]|\{|\}|,|:| |"a"|"\\ud800"|"\\udc00"|"\\ud83d\\ude00"|"\\n"|1e400|-1E-400|1e5|2.5|0|null|true){0,12}"#,
        ) {
            let as_value = serde_json::from_str::<Value>(&text).is_ok();
            prop_assert_eq!(crate::json::check_value(&text).is_ok(), as_value, "{}", text);
            prop_assert_eq!(text.parse::<JsonValue>().is_ok(), as_value, "{}", text);
        }

        #[test]
        fn from_serialize_of_128_bit_integers_is_exact(u in any::<u128>(), i in any::<i128>()) {
            prop_assert_eq!(JsonValue::from_serialize(&u).unwrap().parse::<u128>().unwrap(), u);
            let v = JsonValue::from_serialize(&i).unwrap();
            prop_assert_eq!(v.as_str(), i.to_string());
            prop_assert_eq!(serde_json::to_string(&JsonValue::from(u)).unwrap(), u.to_string());
        }
    }
}
