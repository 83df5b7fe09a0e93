//! A request's query string read as the service reads it, for the server side (the emulator,
//! a user's own test server): the same rules the SDK checks before sending, decided once.
//!
//! Each parameter may be given at most once; its name and value are percent-decoded (`+` is
//! a space) and must be UTF-8; parameters the endpoint does not know are ignored, as the
//! service ignores them. Every broken rule is reported, each naming its parameter.

use alloc::string::String;
use alloc::vec::Vec;
use core::str::FromStr;

use crate::list::check_limit;
use crate::validation::{Collector, FieldError, Rule};

/// One parameter as the query gave it.
#[derive(Debug)]
pub(crate) enum Param {
    Absent,
    Given(String),
    /// Given but unusable (twice, or not UTF-8): its error is already collected.
    Bad,
}

impl Param {
    /// The value when given, nothing otherwise (an unusable one's error is collected).
    pub(crate) fn given(self) -> Option<String> {
        match self {
            Param::Given(v) => Some(v),
            Param::Absent | Param::Bad => None,
        }
    }
}

/// The parameters `fields` of `query`, in that order.
pub(crate) fn read<const N: usize>(query: &str, fields: [&'static str; N], c: &mut Collector) -> [Param; N] {
    let mut values: [Vec<Option<String>>; N] = core::array::from_fn(|_| Vec::new());
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let Some(key) = decode(key) else { continue };
        if let Some(i) = fields.iter().position(|f| *f == key) {
            values[i].push(decode(value));
        }
    }
    let mut i = 0;
    values.map(|mut given| {
        let field = fields[i];
        i += 1;
        match given.as_mut_slice() {
            [] => Param::Absent,
            [Some(v)] => Param::Given(core::mem::take(v)),
            [None] => {
                c.push(FieldError::new(
                    field,
                    Rule::Malformed("percent-encoded UTF-8 text"),
                ));
                Param::Bad
            }
            _ => {
                c.push(FieldError::new(field, Rule::Malformed("given at most once")));
                Param::Bad
            }
        }
    })
}

/// A query component, percent-decoded (`+` a space), if it is UTF-8.
fn decode(text: &str) -> Option<String> {
    decode_segment(&text.replace('+', " "))
}

/// A path segment, percent-decoded (`+` itself), if it is UTF-8.
pub(crate) fn decode_segment(text: &str) -> Option<String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// A required id parameter.
pub(crate) fn id<T: FromStr<Err = FieldError>>(
    field: &'static str,
    param: Param,
    c: &mut Collector,
) -> Option<T> {
    match param {
        Param::Absent => {
            c.push(FieldError::new(field, Rule::Malformed("present")));
            None
        }
        Param::Given(v) => c.check(v.parse::<T>().map_err(|e| e.in_field(field))),
        Param::Bad => None,
    }
}

/// The optional `limit`: `Some(None)` when absent, `None` when unusable (its error collected).
pub(crate) fn limit(param: Param, c: &mut Collector) -> Option<Option<u8>> {
    match param {
        Param::Absent => Some(None),
        Param::Given(text) => match text.parse::<u64>() {
            Ok(n) => c.check(check_limit(n)).map(Some),
            Err(_) => {
                c.push(FieldError::new(
                    "limit",
                    Rule::Malformed("an integer from 1 to 100"),
                ));
                None
            }
        },
        Param::Bad => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ListProcesses, ListRuns, ProcessStage};

    #[test]
    fn a_listing_query_reads_back_what_the_sdk_sends() {
        let q = ListRuns::from_query(
            "agent_id=a-1&process_id=p_2&limit=50&stage=Published&continuation_token=t%2Bu+v&other=x",
        )
        .unwrap();
        assert_eq!(q.agent_id().as_str(), "a-1");
        assert_eq!(q.process_id().as_str(), "p_2");
        assert_eq!(q.limit(), Some(50));
        assert_eq!(q.stage(), Some(ProcessStage::Published));
        assert_eq!(q.continuation_token(), Some("t+u v"));
        let q = ListProcesses::from_query("agent_id=a").unwrap();
        assert_eq!(
            (q.agent_id().as_str(), q.limit(), q.continuation_token()),
            ("a", None, None)
        );
    }

    #[test]
    fn every_broken_rule_is_reported_naming_its_parameter() {
        let e = ListRuns::from_query("agent_id=a&agent_id=b&limit=0&stage=Live&continuation_token=%FF")
            .unwrap_err();
        let fields: Vec<(&str, &Rule)> = e.errors().iter().map(|e| (e.field(), e.rule())).collect();
        assert_eq!(
            fields,
            [
                ("agent_id", &Rule::Malformed("given at most once")),
                (
                    "continuation_token",
                    &Rule::Malformed("percent-encoded UTF-8 text")
                ),
                ("process_id", &Rule::Malformed("present")),
                (
                    "limit",
                    &Rule::OutOfRange {
                        min: 1,
                        max: 100,
                        actual: 0
                    }
                ),
                (
                    "stage",
                    &Rule::NotOneOf {
                        allowed: &["Draft", "Published"]
                    }
                ),
            ]
        );
        let e = ListProcesses::from_query("limit=ten").unwrap_err();
        let fields: Vec<&str> = e.errors().iter().map(|e| e.field()).collect();
        assert_eq!(fields, ["agent_id", "limit"]);
        let e = ListRuns::from_query("agent_id=a%20b&process_id=p").unwrap_err();
        assert_eq!(e.errors()[0].field(), "agent_id");
    }

    proptest::proptest! {
        /// What the SDK sends for any listing, a server reads back the same.
        #[test]
        fn a_sent_query_reads_back(limit in 1u64..=100, token in "\\PC{0,20}", published: bool) {
            let stage = if published { ProcessStage::Published } else { ProcessStage::Draft };
            let query = ListRuns::new("agent-1".parse().unwrap(), "invoices".parse().unwrap())
                .with_limit(limit)
                .unwrap()
                .with_stage(stage)
                .with_continuation_token(token.clone());
            let config = crate::Config::builder().api_key("k").base_url("http://127.0.0.1:1/v2").build().unwrap();
            let request = crate::transport::Operation::request(&crate::transport::ListPage(query.clone()), &config);
            let sent = request.url().split_once('?').map_or("", |(_, q)| q);
            proptest::prop_assert_eq!(ListRuns::from_query(sent).unwrap(), query);
        }
    }
}
