//! Reading ilert's answers leniently, where its description leaves room.
//!
//! ilert's OpenAPI description marks almost no field `required`, so the
//! models make those fields `Option`. On top of that:
//! - an explicit `null` for a list reads as an empty list ([`fn@vec`]);
//! - a field typed `number` may come as `1.0`; integral floats read as
//!   integers ([`int`], [`opt_int`]);
//! - a nested object that names another (a user, a source, a policy) but
//!   has no `id` (`assignedTo: {}`, `alertSource: {"id": null}`) names
//!   nobody: it reads as `None` ([`rel`]) instead of costing the whole item;
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

/// A flag that may be `null` (read as `false`).
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or_default())
}

pub fn vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// An optional reference to another object: absent, `null`, or an object
/// whose `id` is missing or `null` all read as `None`; one with an id reads
/// as `T` (and fails as `T` does).
pub fn rel<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    use serde_json::Value;
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) if m.get("id").is_none_or(Value::is_null) => Ok(None),
        Some(v) => T::deserialize(v).map(Some).map_err(serde::de::Error::custom),
    }
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

    #[derive(serde::Deserialize, Debug)]
    struct Named {
        #[serde(deserialize_with = "super::int")]
        id: i64,
    }

    #[derive(serde::Deserialize, Debug)]
    struct Holder {
        #[serde(default, deserialize_with = "super::rel")]
        who: Option<Named>,
    }

    #[test]
    fn a_reference_without_an_id_names_nobody() {
        for json in [r#"{}"#, r#"{"who": null}"#, r#"{"who": {}}"#, r#"{"who": {"id": null, "name": "x"}}"#] {
            assert!(serde_json::from_str::<Holder>(json).unwrap().who.is_none(), "{json}");
        }
        assert_eq!(serde_json::from_str::<Holder>(r#"{"who": {"id": 4.0}}"#).unwrap().who.unwrap().id, 4);
        assert!(serde_json::from_str::<Holder>(r#"{"who": {"id": "x"}}"#).is_err(), "a bad id is still an error");
    }
}
