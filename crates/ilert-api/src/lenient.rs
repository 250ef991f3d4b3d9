//! Reading ilert's answers leniently, where its description leaves room.
//!
//! ilert's OpenAPI description marks almost no field `required`, so the
//! models make those fields `Option`. On top of that:
//! - an explicit `null` for a list reads as an empty list ([`fn@vec`]);
//! - a field typed `number` may come as `1.0`; integral floats read as
//!   integers ([`int`], [`opt_int`]);
//! - an item of a list that still cannot be read is skipped and counted by
//!   the client ([`crate::client::Listed`]), never failing the whole list.

use serde::{Deserialize, Deserializer};

/// A JSON number that must be an integer, written `1` or `1.0`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    fn int<E: serde::de::Error>(self) -> Result<i64, E> {
        match self {
            Number::Int(i) => Ok(i),
            Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
            Number::Float(f) => Err(E::custom(format!("{f} is not an integer"))),
        }
    }
}

pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Number::deserialize(d)?.int()
}

pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Option::<Number>::deserialize(d)?.map(Number::int).transpose()
}

pub fn vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize, Debug)]
    struct T {
        #[serde(deserialize_with = "super::int")]
        id: i64,
        #[serde(default, deserialize_with = "super::opt_int")]
        level: Option<i64>,
        #[serde(default, deserialize_with = "super::vec")]
        list: Vec<i64>,
    }

    #[test]
    fn numbers_nulls_and_absent_fields() {
        let t: T = serde_json::from_str(r#"{"id": 1.0, "level": 2.0, "list": null}"#).unwrap();
        assert_eq!((t.id, t.level, t.list.len()), (1, Some(2), 0));
        let t: T = serde_json::from_str(r#"{"id": 7, "level": null}"#).unwrap();
        assert_eq!((t.id, t.level), (7, None));
        assert!(serde_json::from_str::<T>(r#"{"id": 1.5}"#).is_err());
    }
}
