//! The input contract shared by `triage`, `aggregate`, `audit`, the C ABI and the Python
//! wheel: one JSON object per line, read by [`read_object`] and its typed getters, so that a
//! line is accepted or refused the same way everywhere (docs/limits-and-errors.md lists the
//! rules). Every refusal is an [`Error::InvalidInput`] that names the field and the JSON type
//! it got, never a Rust type, and the line's `id` is kept for its error line whenever the line
//! is JSON at all.

use crate::bounded::excerpt;
use crate::Error;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// Latest accepted time: 9999-12-31T23:59:59Z (four-digit years only).
pub const MAX_TIME: i64 = 253_402_300_799;

/// One input line's fields, keys unique.
#[derive(Debug, Clone)]
pub struct InputObject {
    fields: Map<String, Value>,
}

/// A rejected line: its `id` when it could be read (else null) and why.
#[derive(Debug)]
pub struct Rejected {
    /// The line's `id`, as written.
    pub id: Value,
    /// Why the line was refused.
    pub error: Error,
}

/// Reads one line (a leading byte-order mark skipped) as a JSON object with unique keys.
/// Refused: invalid UTF-8 or JSON, nesting deeper than 128, anything but an object (an array
/// is not a message), a key given twice.
pub fn read_object(line: &[u8]) -> Result<InputObject, Rejected> {
    let line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
    let refuse = |id: Value, message: String| Rejected {
        id,
        error: Error::InvalidInput(message),
    };
    let text = std::str::from_utf8(line)
        .map_err(|e| refuse(Value::Null, format!("line is not UTF-8: {e}")))?;
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = de
        .deserialize_any(ObjectVisitor)
        .and_then(|fields| de.end().map(|()| fields));
    match parsed {
        Ok(Ok(fields)) => Ok(InputObject { fields }),
        Ok(Err(shape)) => Err(refuse(Value::Null, shape)),
        Err(e) => {
            // A duplicate key still names the id when the rest is valid JSON.
            let id = serde_json::from_str::<Value>(text)
                .ok()
                .and_then(|v| v.get("id").cloned())
                .unwrap_or(Value::Null);
            Err(refuse(id, format!("line is not a JSON object: {e}")))
        }
    }
}

/// Collects an object's fields, refusing a repeated key; anything but an object becomes
/// `Ok(Err(what it is))`.
struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Result<Map<String, Value>, String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value: Value = map.next_value()?;
            if fields.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "key {} is given twice",
                    excerpt(&key)
                )));
            }
            fields.insert(key, value);
        }
        Ok(Ok(fields))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Err(
            "line is a JSON array; a message is a JSON object".into()
        ))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(not_object("a boolean")))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(not_object("a number")))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(not_object("a number")))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(not_object("a number")))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Err(not_object("a string")))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Err(not_object("null")))
    }
}

fn not_object(what: &str) -> String {
    format!("line is {what}; a message is a JSON object")
}

/// The JSON type of a value, as an error names it.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(key: &str, wanted: &str, got: &Value) -> Error {
    Error::InvalidInput(format!(
        "\"{key}\" must be {wanted}, got {}",
        type_name(got)
    ))
}

/// The digits of an integer as written: `Some` for a JSON number without sign, fraction or
/// exponent (`1.5e9`, `-5` and `100.0` are not).
fn integer_digits(n: &serde_json::Number) -> Option<String> {
    let written = n.to_string();
    (!written.is_empty() && written.bytes().all(|b| b.is_ascii_digit())).then_some(written)
}

impl InputObject {
    /// The `id`, exactly as written (a number keeps all its digits), null when absent.
    pub fn id(&self) -> Value {
        self.fields.get("id").cloned().unwrap_or(Value::Null)
    }

    /// A string field; absent or null is `None`.
    pub fn string(&self, key: &str) -> Result<Option<&str>, Error> {
        match self.fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(key, "a string", other)),
        }
    }

    /// A string field that must be there.
    pub fn required_string(&self, key: &str) -> Result<&str, Error> {
        self.string(key)?
            .ok_or_else(|| Error::InvalidInput(format!("missing \"{key}\"")))
    }

    /// A division code: a string, or a JSON integer read as its digits (`430202` →
    /// `"430202"`); absent or null is `None`.
    pub fn division_code(&self, key: &str) -> Result<Option<String>, Error> {
        match self.fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => integer_digits(n).map(Some).ok_or_else(|| {
                Error::InvalidInput(format!(
                    "\"{key}\" must be a division code (a string of digits), got the number {}",
                    excerpt(&n.to_string())
                ))
            }),
            Some(other) => Err(wrong_type(key, "a division code string", other)),
        }
    }

    /// A time: a string in ISO 8601 or `YYYY/MM/DD HH:MM:SS` (a real calendar date, a
    /// four-digit year), or a JSON integer of Unix seconds in `0..=`[`MAX_TIME`]; absent or
    /// null is `None`. Refused: fractions and exponents (`1.5e9`), booleans, `2020-02-30`,
    /// five-digit years.
    pub fn time(&self, key: &str) -> Result<Option<i64>, Error> {
        match self.fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => crate::aggregate::parse_time(s).map(Some).ok_or_else(|| {
                Error::InvalidInput(format!(
                    "\"{key}\" {} is not a date and time (ISO 8601 or YYYY/MM/DD HH:MM:SS, a real calendar date, years 1..9999)",
                    excerpt(s)
                ))
            }),
            Some(Value::Number(n)) => integer_digits(n)
                .and_then(|d| d.parse::<i64>().ok())
                .filter(|&t| t <= MAX_TIME)
                .map(Some)
                .ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "\"{key}\" {} is not a whole number of Unix seconds in 0..={MAX_TIME}",
                        excerpt(&n.to_string())
                    ))
                }),
            Some(other) => Err(wrong_type(key, "a date string or Unix seconds", other)),
        }
    }

    /// A count (`likes`): a JSON integer in `0..=4294967295`; absent or null is 0. A string
    /// (`"100"`) or a negative number is refused, not read as 0.
    pub fn count(&self, key: &str) -> Result<u32, Error> {
        match self.fields.get(key) {
            None | Some(Value::Null) => Ok(0),
            Some(Value::Number(n)) => integer_digits(n)
                .and_then(|d| d.parse::<u32>().ok())
                .ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "\"{key}\" {} is not a whole number in 0..={}",
                        excerpt(&n.to_string()),
                        u32::MAX
                    ))
                }),
            Some(other) => Err(wrong_type(key, "a whole number", other)),
        }
    }
}
