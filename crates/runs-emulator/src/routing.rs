//! Routing: which operation a method and path name, matched on exact segments under
//! [`BASE_PATH`], with the 404 and 405 (and its `Allow`) decided here.

use http::Method;

use crate::fault::Route;

/// The base path every route lives under.
pub const BASE_PATH: &str = "/v2";

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    /// One of the operations; for [`Route::GetRun`] and [`Route::GetProcess`], the raw path
    /// segment.
    Route(Route, Option<&'a str>),
    /// A known path with a method it does not have; the value is the `Allow` header.
    MethodNotAllowed(&'static str),
    /// Any other path.
    NotFound,
}

pub(crate) fn route<'a>(method: &Method, path: &'a str) -> Target<'a> {
    let Some(rest) = path.strip_prefix(BASE_PATH) else {
        return Target::NotFound;
    };
    // (collection, its route and methods, the item route under it)
    let (collection, item, allow, item_route) = if let Some(r) = rest.strip_prefix("/runs") {
        (r, Route::GetRun, "GET, POST", true)
    } else if let Some(r) = rest.strip_prefix("/processes") {
        (r, Route::GetProcess, "GET", true)
    } else if let Some(r) = rest.strip_prefix("/files") {
        (r, Route::CreateFile, "POST", false)
    } else if let Some(r) = rest.strip_prefix("/health") {
        (r, Route::Health, "GET", false)
    } else {
        return Target::NotFound;
    };
    if collection.is_empty() {
        let route = match (item, method) {
            (Route::GetRun, &Method::GET) => Route::ListRuns,
            (Route::GetRun, &Method::POST) => Route::StartRun,
            (Route::GetProcess, &Method::GET) => Route::ListProcesses,
            (Route::CreateFile, &Method::POST) => Route::CreateFile,
            (Route::Health, &Method::GET) => Route::Health,
            _ => return Target::MethodNotAllowed(allow),
        };
        return Target::Route(route, None);
    }
    match collection.strip_prefix('/') {
        Some(segment) if item_route && !segment.is_empty() && !segment.contains('/') => match *method {
            Method::GET => Target::Route(item, Some(segment)),
            _ => Target::MethodNotAllowed("GET"),
        },
        _ => Target::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_matched_on_exact_segments() {
        assert_eq!(
            route(&Method::GET, "/v2/runs"),
            Target::Route(Route::ListRuns, None)
        );
        assert_eq!(
            route(&Method::POST, "/v2/runs"),
            Target::Route(Route::StartRun, None)
        );
        assert_eq!(
            route(&Method::GET, "/v2/runs/abc"),
            Target::Route(Route::GetRun, Some("abc"))
        );
        assert_eq!(
            route(&Method::DELETE, "/v2/runs/abc"),
            Target::MethodNotAllowed("GET")
        );
        assert_eq!(
            route(&Method::PUT, "/v2/runs"),
            Target::MethodNotAllowed("GET, POST")
        );
        assert_eq!(
            route(&Method::POST, "/v2/files"),
            Target::Route(Route::CreateFile, None)
        );
        assert_eq!(route(&Method::GET, "/v2/files"), Target::MethodNotAllowed("POST"));
        assert_eq!(
            route(&Method::GET, "/v2/processes"),
            Target::Route(Route::ListProcesses, None)
        );
        assert_eq!(
            route(&Method::GET, "/v2/processes/p"),
            Target::Route(Route::GetProcess, Some("p"))
        );
        assert_eq!(
            route(&Method::GET, "/v2/health"),
            Target::Route(Route::Health, None)
        );
        assert_eq!(
            route(&Method::POST, "/v2/health"),
            Target::MethodNotAllowed("GET")
        );
        for path in [
            "/v2/files/x",
            "/v2/healthz",
            "/v2/processes/",
            "/",
            "/v2",
            "/v2/runs/",
            "/v2/runs/a/b",
            "/v2/runsx",
            "/v3/runs",
            "/v2/runs//",
        ] {
            assert_eq!(route(&Method::GET, path), Target::NotFound, "{path}");
        }
    }
}
