//! Item 5: a `Retry-After` date is honoured in each of RFC 9110's three forms, without a
//! `Date` header, on both transports; a date beyond the deadline gives up at once.
//!
//! A POST is the probe: it is re-sent after a 503 only when the server's `Retry-After` was
//! understood, so an unread date shows as a failed start rather than as a retry.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use runs_core::{Error, RetryPolicy};

use crate::clients::{Clients, builder, start};
use crate::server::{ScriptedServer, json, response, run_json};

#[derive(Debug, Clone, Copy)]
enum Form {
    ImfFixdate,
    Rfc850,
    Asctime,
}

/// Unix seconds `secs` written in `form`.
fn http_date(secs: u64, form: Form) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const LONG: [&str; 7] = [
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
    ];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = (secs / 86_400) as i64;
    let (h, m, s) = (secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (wd, mon) = ((days % 7) as usize, MONTHS[(month - 1) as usize]);
    match form {
        Form::ImfFixdate => format!("{}, {day:02} {mon} {year} {h:02}:{m:02}:{s:02} GMT", DAYS[wd]),
        Form::Rfc850 => format!(
            "{}, {day:02}-{mon}-{:02} {h:02}:{m:02}:{s:02} GMT",
            LONG[wd],
            year % 100
        ),
        Form::Asctime => format!("{} {mon} {day:>2} {h:02}:{m:02}:{s:02} {year}", DAYS[wd]),
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn the_date_writer_matches_the_rfcs_example() {
    assert_eq!(
        http_date(784_111_777, Form::ImfFixdate),
        "Sun, 06 Nov 1994 08:49:37 GMT"
    );
    assert_eq!(
        http_date(784_111_777, Form::Rfc850),
        "Sunday, 06-Nov-94 08:49:37 GMT"
    );
    assert_eq!(http_date(784_111_777, Form::Asctime), "Sun Nov  6 08:49:37 1994");
}

#[test]
fn a_post_is_resent_after_a_retry_after_date_in_every_form_without_a_date_header() {
    for form in [Form::ImfFixdate, Form::Rfc850, Form::Asctime] {
        let server = ScriptedServer::start(move |n, _| {
            if n % 2 == 0 {
                // One second ahead of the client's clock: the client waits up to a second.
                let date = http_date(now_secs() + 1, form);
                response(503, &[("retry-after", &date)], "")
            } else {
                json(201, &run_json("r1", "Created", ""))
            }
        });
        let clients = Clients::of(builder(&server.base_url()));
        for (t, result) in clients.each(|t, c| (t, c.start_run(t, &start()))) {
            assert!(result.is_ok(), "{form:?} on {t:?}: {result:?}");
        }
        assert_eq!(server.count(), 4, "{form:?}: one 503 and one retry per transport");
        // The retry is the same POST, body and all.
        let requests = server.requests();
        assert!(
            requests
                .iter()
                .all(|r| (r.method.as_str(), r.target.as_str(), &r.body)
                    == ("POST", "/v2/runs", &requests[0].body)),
            "{requests:?}"
        );
    }
}

#[test]
fn a_retry_after_date_beyond_the_deadline_gives_up_at_once() {
    let server = ScriptedServer::start(|_, _| {
        let date = http_date(now_secs() + 3600, Form::Asctime);
        response(503, &[("retry-after", &date)], "")
    });
    // The policy would obey an hour; the deadline of 5 s cannot.
    let clients = Clients::of(
        builder(&server.base_url())
            .deadline(Duration::from_secs(5))
            .retry_policy(RetryPolicy::default().with_max_retry_after(Duration::from_secs(7200))),
    );
    for (t, result) in clients.each(|t, c| (t, c.get_run(t, "r1"))) {
        match result {
            Err(Error::DeadlineExceeded {
                attempts: 1,
                last: Some(last),
                ..
            }) => {
                assert_eq!(last.status(), Some(503), "{t:?}")
            }
            other => panic!("{t:?}: {other:?}"),
        }
    }
    assert_eq!(server.count(), 2, "one request per transport, no retry");
}
