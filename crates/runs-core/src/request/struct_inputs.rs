//! A `Serialize` struct or map read as a run's inputs: one input per field, in field order.
//!
//! serde_json's `Map` sorts its keys, so going through `serde_json::Value` would lose the
//! order a struct declares; this is a small `Serializer` that accepts only a struct or a map
//! at the top level and turns each field into a [`NameValue`] whose value is
//! [`JsonValue::from_serialize`] of the field. Fields whose value is JSON `null` (`None`) are
//! left out, as `#[serde(skip_serializing_if = "Option::is_none")]` would.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

use crate::json_value::JsonValue;
use crate::run::NameValue;
use crate::validation::{FieldError, Rule};

/// `value`'s fields as inputs, in order, or the rule it broke (reported on `inputs`).
pub(crate) fn inputs_of<T: Serialize + ?Sized>(value: &T) -> Result<Vec<NameValue>, FieldError> {
    value
        .serialize(Fields)
        .map_err(|e| FieldError::new("inputs", Rule::Malformed(e.rule())))
}

#[derive(Debug)]
enum Problem {
    NotStructOrMap,
    KeyNotString,
    Value,
}

impl Problem {
    fn rule(&self) -> &'static str {
        match self {
            Problem::NotStructOrMap => "a struct or map whose fields are the inputs",
            Problem::KeyNotString => "a struct or map whose keys are strings",
            Problem::Value => "a struct or map whose every field serializes as JSON",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "inputs must be {}", self.rule())
    }
}

impl core::error::Error for Problem {}

impl ser::Error for Problem {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Problem::Value
    }
}

/// The top-level serializer: a struct or map, nothing else.
struct Fields;

/// Collects the fields of a struct or the entries of a map.
struct Collect {
    inputs: Vec<NameValue>,
    key: Option<String>,
}

impl Collect {
    fn push<T: Serialize + ?Sized>(&mut self, name: String, value: &T) -> Result<(), Problem> {
        let value = JsonValue::from_serialize(value).map_err(|_| Problem::Value)?;
        if value.as_str() != "null" {
            self.inputs.push(NameValue::new(name, value));
        }
        Ok(())
    }
}

impl ser::SerializeStruct for Collect {
    type Ok = Vec<NameValue>;
    type Error = Problem;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Problem> {
        self.push(key.into(), value)
    }

    fn end(self) -> Result<Vec<NameValue>, Problem> {
        Ok(self.inputs)
    }
}

impl ser::SerializeMap for Collect {
    type Ok = Vec<NameValue>;
    type Error = Problem;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Problem> {
        let key = JsonValue::from_serialize(key).map_err(|_| Problem::KeyNotString)?;
        self.key = Some(key.parse::<String>().map_err(|_| Problem::KeyNotString)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Problem> {
        let key = self.key.take().ok_or(Problem::Value)?;
        self.push(key, value)
    }

    fn end(self) -> Result<Vec<NameValue>, Problem> {
        Ok(self.inputs)
    }
}

macro_rules! refuse {
    ($($name:ident($($t:ty),*)),* $(,)?) => {$(
        fn $name(self $(, _: $t)*) -> Result<Vec<NameValue>, Problem> {
            Err(Problem::NotStructOrMap)
        }
    )*};
}

impl ser::Serializer for Fields {
    type Ok = Vec<NameValue>;
    type Error = Problem;
    type SerializeSeq = Impossible<Vec<NameValue>, Problem>;
    type SerializeTuple = Impossible<Vec<NameValue>, Problem>;
    type SerializeTupleStruct = Impossible<Vec<NameValue>, Problem>;
    type SerializeTupleVariant = Impossible<Vec<NameValue>, Problem>;
    type SerializeMap = Collect;
    type SerializeStruct = Collect;
    type SerializeStructVariant = Impossible<Vec<NameValue>, Problem>;

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Vec<NameValue>, Problem> {
        Err(Problem::NotStructOrMap)
    }

    /// A newtype around a struct or map (`struct Inputs(MyStruct)`) is that struct or map.
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Vec<NameValue>, Problem> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Vec<NameValue>, Problem> {
        Err(Problem::NotStructOrMap)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Problem> {
        Err(Problem::NotStructOrMap)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Problem> {
        Err(Problem::NotStructOrMap)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Problem> {
        Err(Problem::NotStructOrMap)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Problem> {
        Err(Problem::NotStructOrMap)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Collect, Problem> {
        Ok(Collect {
            inputs: Vec::with_capacity(len.unwrap_or(0).min(64)),
            key: None,
        })
    }

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Collect, Problem> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Problem> {
        Err(Problem::NotStructOrMap)
    }
}
