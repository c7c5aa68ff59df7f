//! The `#[serde(with)]` forms of times: RFC 3339 strings in events, and
//! integer counts since the epoch in the runtime directory's files.

use super::{millis, Ctime, Timestamp};
use std::fmt;

/// Defines a `#[serde(with)]` module writing a [`Timestamp`] (or an
/// optional one) as an integer count of some unit since the epoch: the
/// runtime directory's files keep their integer fields.
macro_rules! epoch_int {
    ($(#[$doc:meta])* $name:ident, $opt:ident, $to:ident, $from:ident) => {
        $(#[$doc])*
        pub mod $name {
            use super::Timestamp;
            use serde::Deserialize;

            pub fn serialize<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(t.$to())
            }

            pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
                Ok(Timestamp::$from(i64::deserialize(d)?))
            }
        }

        $(#[$doc])*
        /// Optional: null for `None`.
        pub mod $opt {
            use super::Timestamp;
            use serde::Deserialize;

            pub fn serialize<S: serde::Serializer>(
                t: &Option<Timestamp>,
                s: S,
            ) -> Result<S::Ok, S::Error> {
                match t {
                    Some(t) => s.serialize_i64(t.$to()),
                    None => s.serialize_none(),
                }
            }

            pub fn deserialize<'de, D: serde::Deserializer<'de>>(
                d: D,
            ) -> Result<Option<Timestamp>, D::Error> {
                Ok(Option::<i64>::deserialize(d)?.map(Timestamp::$from))
            }
        }
    };
}

epoch_int!(
    /// `#[serde(with)]`: a [`Timestamp`] as integer milliseconds since the epoch.
    epoch_ms, opt_epoch_ms, as_millis, from_millis
);
epoch_int!(
    /// `#[serde(with)]`: a [`Timestamp`] as integer microseconds since the epoch.
    epoch_us, opt_epoch_us, as_micros, from_micros
);
epoch_int!(
    /// `#[serde(with)]`: a [`Timestamp`] as integer centiseconds since the epoch.
    epoch_cs, opt_epoch_cs, as_centis, from_centis
);

/// `#[serde(with)]`: a [`Ctime`] as integer nanoseconds since the epoch.
pub mod ctime_ns {
    use super::Ctime;
    use serde::Deserialize;

    pub fn serialize<S: serde::Serializer>(t: &Ctime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i128(t.as_nanos())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Ctime, D::Error> {
        Ok(Ctime::from_nanos(i128::deserialize(d)?))
    }
}

/// Reads an RFC 3339 string without copying it, or (`optional`) null.
struct Rfc3339Visitor {
    optional: bool,
}

impl<'de> serde::de::Visitor<'de> for Rfc3339Visitor {
    type Value = Option<Timestamp>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an RFC 3339 time")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Timestamp::parse_rfc3339(s)
            .map(Some)
            .ok_or_else(|| E::custom(format!("not an RFC 3339 time: {s}")))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        if self.optional {
            Ok(None)
        } else {
            Err(E::invalid_type(serde::de::Unexpected::Unit, &self))
        }
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

fn de_rfc3339<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    d.deserialize_str(Rfc3339Visitor { optional: false })?
        .ok_or_else(|| serde::de::Error::custom("no time"))
}

/// `#[serde(with)]`: a [`Timestamp`] as RFC 3339 with three digits.
pub mod rfc3339_ms {
    use super::Timestamp;

    pub fn serialize<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.rfc3339_ms())
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        super::de_rfc3339(d)
    }
}

/// `#[serde(with)]`: an optional [`Timestamp`] as RFC 3339 with six
/// digits, or null.
pub mod opt_rfc3339_us {
    use super::Timestamp;

    pub fn serialize<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&t.rfc3339_us()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        d.deserialize_option(super::Rfc3339Visitor { optional: true })
    }
}

/// `#[serde(with)]`: an optional [`Duration`] as integer milliseconds, or
/// null.
pub mod opt_duration_ms {
    use serde::Deserialize;
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_i64(super::millis(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<i64>::deserialize(d)?.map(|ms| Duration::from_millis(ms.max(0) as u64)))
    }
}
