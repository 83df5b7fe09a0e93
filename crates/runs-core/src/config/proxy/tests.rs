use super::*;
use alloc::vec;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// A case: its name, the environment, the origin (https, host, port), the proxy expected.
type Case = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    (bool, &'static str, u16),
    Option<&'static str>,
);

/// Where a connection to each origin goes under an environment: the table both transports are
/// held to (runs-conformance runs the same kinds of case end to end).
#[test]
fn environments_resolve_to_one_plan_per_origin() {
    const API: (bool, &str, u16) = (true, "rest-api.app.kognitos.com", 443);
    const PLAIN: (bool, &str, u16) = (false, "api.internal", 80);
    #[rustfmt::skip]
    let table: Vec<Case> = vec![
        ("nothing set", vec![], API, None),
        ("HTTPS_PROXY", vec![("HTTPS_PROXY", "http://p:3128")], API, Some("http://p:3128")),
        ("https_proxy wins over HTTPS_PROXY", vec![("HTTPS_PROXY", "http://upper:1"), ("https_proxy", "http://lower:2")], API, Some("http://lower:2")),
        ("HTTPS_PROXY wins over ALL_PROXY", vec![("ALL_PROXY", "http://all:1"), ("HTTPS_PROXY", "http://s:2")], API, Some("http://s:2")),
        ("ALL_PROXY when nothing else", vec![("ALL_PROXY", "http://all:1")], API, Some("http://all:1")),
        ("all_proxy wins over ALL_PROXY", vec![("ALL_PROXY", "http://upper:1"), ("all_proxy", "http://lower:1")], API, Some("http://lower:1")),
        ("HTTP_PROXY is not for https", vec![("HTTP_PROXY", "http://h:1")], API, None),
        ("HTTP_PROXY for http", vec![("HTTP_PROXY", "http://h:1")], PLAIN, Some("http://h:1")),
        ("HTTPS_PROXY is not for http", vec![("HTTPS_PROXY", "http://s:1")], PLAIN, None),
        ("CGI ignores HTTP_PROXY", vec![("HTTP_PROXY", "http://evil:1"), ("REQUEST_METHOD", "GET")], PLAIN, None),
        ("CGI still reads http_proxy", vec![("http_proxy", "http://ok:1"), ("REQUEST_METHOD", "GET")], PLAIN, Some("http://ok:1")),
        ("empty counts as unset", vec![("https_proxy", ""), ("HTTPS_PROXY", "http://s:1")], API, Some("http://s:1")),
        ("no scheme means http, port 80", vec![("HTTPS_PROXY", "proxy.corp")], API, Some("http://proxy.corp:80")),
        ("NO_PROXY *", vec![("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "*")], API, None),
        ("NO_PROXY suffix", vec![("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "kognitos.com")], API, None),
        ("NO_PROXY dotted suffix", vec![("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", ".kognitos.com")], API, None),
        ("NO_PROXY matches whole labels only", vec![("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "gnitos.com")], API, Some("http://p:1")),
        ("no_proxy wins over NO_PROXY", vec![("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "*"), ("no_proxy", "other.example")], API, Some("http://p:1")),
        ("NO_PROXY list with spaces", vec![("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "a.example, kognitos.com")], API, None),
        ("NO_PROXY with a port: other port", vec![("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "kognitos.com:8443")], API, Some("http://p:1")),
        ("NO_PROXY with a port: that port", vec![("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "kognitos.com:443")], API, None),
        ("NO_PROXY IP literal", vec![("HTTP_PROXY", "http://p:1"), ("NO_PROXY", "10.1.2.3")], (false, "10.1.2.3", 80), None),
        ("NO_PROXY IP literal, other IP", vec![("HTTP_PROXY", "http://p:1"), ("NO_PROXY", "10.1.2.3")], (false, "10.1.2.4", 80), Some("http://p:1")),
        ("NO_PROXY CIDR", vec![("HTTP_PROXY", "http://p:1"), ("NO_PROXY", "10.0.0.0/8")], (false, "10.200.0.1", 80), None),
        ("NO_PROXY IPv6", vec![("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "[2001:db8::1]")], (true, "[2001:db8::1]", 443), None),
        ("loopback 127.0.0.1 is direct", vec![("HTTPS_PROXY", "http://p:1"), ("HTTP_PROXY", "http://p:1")], (false, "127.0.0.1", 8080), None),
        ("loopback 127.x is direct", vec![("ALL_PROXY", "http://p:1")], (true, "127.3.2.1", 443), None),
        ("loopback localhost is direct", vec![("ALL_PROXY", "http://p:1")], (false, "localhost", 80), None),
        ("loopback ::1 is direct", vec![("ALL_PROXY", "http://p:1")], (true, "[::1]", 443), None),
        ("localhost. is loopback", vec![("ALL_PROXY", "http://p:1")], (true, "localhost.", 443), None),
        ("mapped ::ffff:127.0.0.1 is loopback", vec![("ALL_PROXY", "http://p:1")], (true, "[::ffff:127.0.0.1]", 443), None),
        ("0.0.0.0 is not loopback", vec![("ALL_PROXY", "http://p:1")], (false, "0.0.0.0", 80), Some("http://p:1")),
        ("NO_PROXY matches a trailing-dot name", vec![("HTTPS_PROXY", "http://p:1"), ("NO_PROXY", "kognitos.com")], (true, "api.kognitos.com.", 443), None),
        ("127.evil.com is not loopback", vec![("ALL_PROXY", "http://p:1")], (true, "127.evil.com", 443), Some("http://p:1")),
    ];
    for (name, vars, (https, host, port), expected) in table {
        let rules = ProxyRules::resolve(&Proxy::FromEnv, env(&vars)).unwrap();
        let got = rules.proxy_for(https, host, port).map(ProxyEndpoint::url);
        assert_eq!(got.as_deref(), expected, "{name}");
    }
}

#[test]
fn explicit_settings_ignore_the_environment() {
    let vars = env(&[("HTTPS_PROXY", "http://from-env:1")]);
    let none = ProxyRules::resolve(&Proxy::None, &vars).unwrap();
    assert_eq!(none.proxy_for(true, "api.example.com", 443), None);
    let url = ProxyRules::resolve(&Proxy::Url("http://explicit:3128".into()), &vars).unwrap();
    for (https, host) in [
        (true, "api.example.com"),
        (false, "127.0.0.1"),
        (true, "localhost"),
    ] {
        let got = url.proxy_for(https, host, 1).map(ProxyEndpoint::url);
        assert_eq!(got.as_deref(), Some("http://explicit:3128"), "{host}");
    }
}

#[test]
fn credentials_are_decoded_sent_as_basic_and_never_shown() {
    let rules = ProxyRules::resolve(
        &Proxy::Url("http://us%40er:p%3Ass%20w@proxy.corp:3128".into()),
        |_| None,
    )
    .unwrap();
    let proxy = rules.proxy_for(true, "api.example.com", 443).unwrap();
    assert_eq!(proxy.credentials(), Some(("us@er", "p:ss w")));
    // base64("us@er:p:ss w")
    assert_eq!(proxy.authorization(), Some("Basic dXNAZXI6cDpzcyB3"));
    for shown in [
        alloc::format!("{proxy:?}"),
        alloc::format!("{proxy}"),
        alloc::format!("{rules:?}"),
    ] {
        assert!(
            !shown.contains("p%3Ass") && !shown.contains("p:ss") && !shown.contains("dXNAZXI6"),
            "{shown}"
        );
    }
    let setting = Proxy::Url("http://user:hunter22@proxy.corp:3128".into());
    assert!(!alloc::format!("{setting:?}").contains("hunter22"));
}

#[test]
fn unusable_proxies_are_refused_naming_the_variable_and_never_the_password() {
    #[rustfmt::skip]
    let cases = [
        ("HTTPS_PROXY", "socks5://user:hunter22@p:1080", "socks5 proxy; only http://"),
        ("HTTPS_PROXY", "https://p:443", "https proxy; only http://"),
        ("ALL_PROXY", "socks4://p:1080", "socks4 proxy"),
        ("HTTPS_PROXY", "http://user:hunter22@p:0", "port that is not 1 to 65535"),
        ("HTTPS_PROXY", "http://p:99999", "port"),
        ("HTTPS_PROXY", "http://user:hunter22@", "host"),
        ("HTTPS_PROXY", "http://p:3128/some/path", "has a path"),
        ("HTTPS_PROXY", "http://us%3Aer:hunter22@p:1", "':' in the user name"),
    ];
    for (name, value, why) in cases {
        let error = ProxyRules::resolve(&Proxy::FromEnv, env(&[(name, value)])).unwrap_err();
        let text = error.to_string();
        assert_eq!(error.setting(), name, "{text}");
        assert!(text.contains(why), "{value}: {text}");
        assert!(!text.contains("hunter22"), "{text}");
    }
    let explicit = ProxyRules::resolve(&Proxy::Url("socks5://p:1".into()), |_| None).unwrap_err();
    assert_eq!(explicit.setting(), "proxy");
}

#[test]
fn an_unusable_variable_for_the_other_scheme_still_fails_the_build() {
    // A configuration is checked whole: HTTP_PROXY would be used by an http:// origin.
    let error = ProxyRules::resolve(
        &Proxy::FromEnv,
        env(&[("HTTPS_PROXY", "http://ok:1"), ("HTTP_PROXY", "socks5://p:1")]),
    )
    .unwrap_err();
    assert_eq!(error.setting(), "HTTP_PROXY");
}

#[test]
fn base64_matches_the_rfc_4648_vectors() {
    for (input, expected) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        let mut out = String::new();
        base64(input.as_bytes(), &mut out);
        assert_eq!(out, expected);
    }
}

#[test]
fn bypass_entries_that_do_not_parse_are_skipped() {
    assert_eq!(Bypass::parse(""), None);
    assert_eq!(Bypass::parse("10.0.0.0/99"), None);
    assert_eq!(Bypass::parse("host:notaport"), None);
    assert_eq!(
        Bypass::parse("*.example.com"),
        Some(Bypass::Domain("example.com".into(), None))
    );
}

/// Hosts and `NO_PROXY` entries of any text, multi-byte characters where a suffix comparison
/// would cut (item 5 of issue 18: a byte index inside `€` panicked).
#[test]
fn non_ascii_hosts_and_no_proxy_entries_never_panic_and_never_match_by_accident() {
    let rules = ProxyRules::resolve(
        &Proxy::FromEnv,
        env(&[
            ("HTTPS_PROXY", "http://p:1"),
            ("NO_PROXY", "example.com,€€€,bücher.example,é"),
        ]),
    )
    .unwrap();
    for host in [
        "€€€€",
        "€€€€€localhost",
        "€€€€€example.com",
        "a.€€€",
        "€€€",
        "🦀.example.com",
        "api.example.com",
        "e\u{301}",
        "\u{301}",
        "",
        "[€]",
    ] {
        // A name under a bypassed domain goes direct; any other through the proxy.
        let direct = matches!(host, "api.example.com" | "🦀.example.com" | "a.€€€" | "€€€");
        let got = rules.proxy_for(true, host, 443).map(ProxyEndpoint::url);
        assert_eq!(got.is_none(), direct, "{host}");
    }
}

#[test]
fn a_non_ascii_proxy_host_is_refused_with_its_ascii_form_asked_for() {
    for url in ["http://€€€€:3128", "http://user:hunter22@bücher.example", "€"] {
        let error = ProxyRules::resolve(&Proxy::FromEnv, env(&[("HTTPS_PROXY", url)])).unwrap_err();
        let text = error.to_string();
        assert_eq!(error.setting(), "HTTPS_PROXY", "{text}");
        assert!(
            text.contains("non-ASCII host") && text.contains("punycode"),
            "{text}"
        );
        assert!(!text.contains("hunter22"), "{text}");
    }
}

proptest::proptest! {
    /// Any proxy URL, `NO_PROXY` list and host, printable Unicode included: resolving and
    /// choosing never panic, and whatever resolves has an ASCII host.
    #[test]
    fn any_text_in_proxy_settings_or_hosts_never_panics(
        proxy in proptest::prop_oneof!["\\PC{0,40}", "(http://)?([a-z€é🦀\u{301}.:@-]|\\PC){0,30}"],
        no_proxy in "([a-z€é🦀\u{301}.,*: /-]|\\PC){0,40}",
        host in "([a-z€é🦀\u{301}.\\[\\]:-]|\\PC){0,30}",
        https in proptest::bool::ANY,
        port in proptest::num::u16::ANY,
    ) {
        let vars = env(&[
            ("HTTPS_PROXY", proxy.as_str()),
            ("HTTP_PROXY", proxy.as_str()),
            ("NO_PROXY", no_proxy.as_str()),
        ]);
        if let Ok(rules) = ProxyRules::resolve(&Proxy::FromEnv, vars) {
            if let Some(chosen) = rules.proxy_for(https, &host, port) {
                proptest::prop_assert!(chosen.host().is_ascii(), "{:?}", chosen);
            }
        }
        if let Ok(rules) = ProxyRules::resolve(&Proxy::Url(proxy.clone()), |_| None) {
            proptest::prop_assert!(rules.proxy_for(https, &host, port).is_some());
        }
    }
}
