//! Response bodies: whole, streamed filler, or broken on purpose.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

/// Filler for oversized bodies, written by reference so no response is ever held whole.
static FILLER: [u8; 64 * 1024] = [b'x'; 64 * 1024];

/// The body of every response the emulator writes.
#[derive(Debug)]
pub(crate) enum Body {
    /// All of it at once.
    Full(Option<Bytes>),
    /// `head`, then `x` bytes until `remaining` runs out; `exact` announces the size, so hyper
    /// writes a `Content-Length`, otherwise the body is chunked.
    Filler {
        head: Option<Bytes>,
        remaining: u64,
        exact: bool,
    },
    /// `head`, then an error, which makes hyper close the connection mid-body. Between the
    /// two the body is pending once, so hyper flushes the head before it sees the error.
    Broken { head: Option<Bytes>, flushed: bool },
}

impl Body {
    pub(crate) fn full(bytes: impl Into<Bytes>) -> Self {
        Body::Full(Some(bytes.into()))
    }

    /// `size` bytes that start like JSON and never finish.
    pub(crate) fn filler(size: u64, exact: bool) -> Self {
        const HEAD: &[u8] = br#"{"items":[],"continuation_token":null,"padding":""#;
        let head_len = usize::try_from(size).map_or(HEAD.len(), |s| s.min(HEAD.len()));
        let head = Bytes::from_static(&HEAD[..head_len]);
        Body::Filler {
            remaining: size.saturating_sub(head.len() as u64),
            head: Some(head),
            exact,
        }
    }
}

/// The error a [`Body::Broken`] ends with.
#[derive(Debug)]
pub(crate) struct BrokenOnPurpose;

impl fmt::Display for BrokenOnPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection closed mid-body by an injected fault")
    }
}

impl std::error::Error for BrokenOnPurpose {}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BrokenOnPurpose;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let frame = match self.get_mut() {
            Body::Full(bytes) => bytes.take().map(|b| Ok(Frame::data(b))),
            Body::Filler { head, remaining, .. } => match head.take() {
                Some(h) if !h.is_empty() => Some(Ok(Frame::data(h))),
                _ if *remaining == 0 => None,
                _ => {
                    let n = usize::try_from(*remaining).map_or(FILLER.len(), |r| r.min(FILLER.len()));
                    *remaining -= n as u64;
                    Some(Ok(Frame::data(Bytes::from_static(&FILLER[..n]))))
                }
            },
            Body::Broken { head, flushed } => match head.take() {
                Some(h) => Some(Ok(Frame::data(h))),
                None if !*flushed => {
                    *flushed = true;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                None => Some(Err(BrokenOnPurpose)),
            },
        };
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        match self {
            Body::Full(bytes) => bytes.is_none(),
            Body::Filler { head, remaining, .. } => head.is_none() && *remaining == 0,
            Body::Broken { .. } => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            Body::Filler {
                head,
                remaining,
                exact: true,
            } => SizeHint::with_exact(head.as_ref().map_or(0, |h| h.len() as u64) + remaining),
            Body::Filler { .. } | Body::Broken { .. } => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn filler_is_exactly_the_size_asked_for() {
        for size in [0u64, 5, 100, 64 * 1024 + 7, 300_000] {
            let body = Body::filler(size, true);
            assert_eq!(http_body::Body::size_hint(&body).exact(), Some(size));
            let bytes = body.collect().await.unwrap().to_bytes();
            assert_eq!(bytes.len() as u64, size);
        }
    }
}
