//! What the API answers: a [`Reply`] with its whole body, in the API's error shape
//! (`{"message", "details"}`) for every error, validation details included.

use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use runs_core::{ErrorBody, FieldError};
use serde_json::{Value, json};

/// A response with a fully known body.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
    pub(crate) content_type: &'static str,
    pub(crate) allow: Option<&'static str>,
    /// Whole seconds for a `Retry-After` header.
    pub(crate) retry_after: Option<u64>,
}

impl Reply {
    pub(crate) fn json(status: StatusCode, value: &impl serde::Serialize) -> Reply {
        match serde_json::to_vec(value) {
            Ok(body) => Reply {
                status,
                body: body.into(),
                content_type: "application/json",
                allow: None,
                retry_after: None,
            },
            Err(_) => Reply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "cannot encode the response",
                None,
            ),
        }
    }

    /// The documented error body; `details` is `null` when there are none.
    pub(crate) fn error(
        status: StatusCode,
        message: impl Into<String>,
        details: Option<Vec<Value>>,
    ) -> Reply {
        let body = ErrorBody {
            status_code: Some(i64::from(status.as_u16())),
            message: Some(message.into()),
            details,
        };
        // ErrorBody is three plain fields: encoding cannot fail, but never panic on a maybe.
        let body = serde_json::to_vec(&body)
            .unwrap_or_else(|_| br#"{"status_code":500,"message":"internal error","details":null}"#.to_vec());
        Reply {
            status,
            body: body.into(),
            content_type: "application/json",
            allow: None,
            retry_after: None,
        }
    }

    pub(crate) fn invalid(location: &str, errors: &[FieldError]) -> Reply {
        let mut message = String::from("invalid input: ");
        for (i, e) in errors.iter().enumerate() {
            if i > 0 {
                message.push_str("; ");
            }
            message.push_str(&e.to_string());
        }
        let details = errors.iter().map(|e| detail(location, e)).collect();
        Reply::error(StatusCode::BAD_REQUEST, message, Some(details))
    }

    /// The header value for `Content-Type`.
    pub(crate) fn content_type(&self) -> HeaderValue {
        HeaderValue::from_static(self.content_type)
    }
}

/// A validation detail: `{"field", "in", "message", "rule"}`.
fn detail(location: &str, e: &FieldError) -> Value {
    json!({"field": e.field(), "in": location, "message": e.rule().to_string(), "rule": e.rule().code()})
}

pub(crate) fn not_found(field: &str, location: &str, what: &str, value: &str) -> Reply {
    let detail = json!({"field": field, "in": location, "message": format!("no {what} has this id"), "rule": "not_found"});
    Reply::error(
        StatusCode::NOT_FOUND,
        format!("{what} {value:?} not found"),
        Some(vec![detail]),
    )
}
