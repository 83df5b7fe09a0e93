//! The upload target: a small object storage on its own listener (another origin than the
//! API), answering as S3 does, with XML errors.
//!
//! It takes a `multipart/form-data` `POST` to [`UPLOAD_PATH`], streams the file part through a
//! SHA-256 without keeping it, then checks what `POST /v2/files` issued: every field, with
//! its value, in the order given, the target's header, the signature, the expiry. Unlike
//! real storage it refuses a request carrying `x-api-key` (400), so a client that leaks the
//! key to another origin fails loudly; such requests are counted too.

use http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::api::Api;
use crate::counters::Cells;
use crate::files::{TARGET_HEADER, UPLOAD_PATH, UploadedFile, signature};
use crate::multipart::{FormError, Parser, boundary};
use crate::reply::Reply;
use crate::server::CloseConnection;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

impl Reply {
    /// An S3-style error: `<Error><Code>…</Code><Message>…</Message>…</Error>`.
    pub(crate) fn storage_error(status: StatusCode, code: &str, message: &str) -> Reply {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message>\
             <RequestId>emulator</RequestId></Error>",
            escape(code),
            escape(message)
        );
        Reply {
            status,
            body: body.into(),
            content_type: "application/xml",
            allow: None,
            retry_after: None,
        }
    }
}

fn denied(message: &str) -> Reply {
    Reply::storage_error(StatusCode::FORBIDDEN, "AccessDenied", message)
}

fn invalid(message: &str) -> Reply {
    Reply::storage_error(StatusCode::BAD_REQUEST, "InvalidArgument", message)
}

/// Answers one request to the upload target.
pub(crate) async fn receive(api: &Api, req: Request<Incoming>) -> Result<Reply, CloseConnection> {
    if req.headers().contains_key(runs_core::transport::API_KEY_HEADER) {
        Cells::bump(&api.counters.uploads_with_api_key);
        return Ok(Reply::storage_error(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "an x-api-key header was sent to the storage origin: the API key must never leave the API",
        ));
    }
    if req.uri().path() != UPLOAD_PATH {
        return Ok(Reply::storage_error(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            "The specified bucket does not exist",
        ));
    }
    if req.method() != Method::POST {
        let mut reply = Reply::storage_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
        );
        reply.allow = Some("POST");
        return Ok(reply);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(boundary) = boundary(content_type) else {
        return Ok(invalid(
            "Bucket POST must be of the enclosure-type multipart/form-data",
        ));
    };
    let target_header = req
        .headers()
        .get(TARGET_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut parser = Parser::new(&boundary);
    let mut body = req.into_body();
    let mut refused = None;
    while let Some(frame) = body.frame().await {
        // The client went away or sent a broken body: nobody is left to answer.
        let frame = frame.map_err(|_| CloseConnection)?;
        if let (Some(data), None) = (frame.data_ref(), &refused) {
            // Keep reading after a refusal, so the client gets the answer rather than a reset.
            refused = parser.feed(data).err();
        }
    }
    let form = match refused.map_or_else(|| parser.finish(), Err) {
        Ok(form) => form,
        Err(FormError::AfterFile(name)) => {
            return Ok(invalid(&format!(
                "the file must be the last field of the form; {:?} came after it",
                name.chars().take(40).collect::<String>()
            )));
        }
        Err(FormError::Malformed(why)) => {
            return Ok(Reply::storage_error(
                StatusCode::BAD_REQUEST,
                "MalformedPOSTRequest",
                &format!("The body of your POST request is not well-formed multipart/form-data: {why}."),
            ));
        }
    };
    Ok(check_and_record(api, form, target_header.as_deref()))
}

fn check_and_record(api: &Api, form: crate::multipart::Form, target_header: Option<&str>) -> Reply {
    let field = |name: &str| {
        form.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(policy) = field("policy") else {
        return invalid("Bucket POST must contain a field named 'policy'.");
    };
    if field("signature") != Some(signature(api.token_secret, policy).as_str()) {
        return Reply::storage_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        );
    }
    let mut files = api.files();
    let Some((seq, issued)) = files.target(policy) else {
        return denied("Invalid according to Policy: the policy names no target");
    };
    if std::time::Instant::now() >= issued.expires {
        return denied("Invalid according to Policy: Policy expired.");
    }
    if form.fields != issued.fields {
        let missing = issued.fields.iter().find(|(n, _)| field(n).is_none());
        if let Some((name, _)) = missing {
            return invalid(&format!("Bucket POST must contain a field named '{name}'."));
        }
        let wrong = issued.fields.iter().find(|(n, v)| field(n) != Some(v.as_str()));
        if let Some((name, _)) = wrong {
            return denied(&format!(
                "Invalid according to Policy: Policy Condition failed: [\"eq\", \"${name}\"]"
            ));
        }
        return denied("Invalid according to Policy: the fields must be sent once each, in the order given");
    }
    if target_header != Some(seq.to_string().as_str()) {
        return denied(&format!(
            "Invalid according to Policy: the {TARGET_HEADER} header the target gave is missing or wrong"
        ));
    }
    let Some(file) = form.file else {
        return invalid("POST requires exactly one file upload per request.");
    };
    let uploaded = UploadedFile {
        id: issued.id.clone(),
        agent_id: issued.agent_id.clone(),
        file_name: file.file_name,
        size: file.size,
        sha256: file.sha256,
    };
    files.record(uploaded);
    Cells::bump(&api.counters.files_uploaded);
    Reply {
        status: StatusCode::NO_CONTENT,
        body: bytes::Bytes::new(),
        content_type: "",
        allow: None,
        retry_after: None,
    }
}
