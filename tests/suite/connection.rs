use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn an_unreachable_server_is_exit_3_with_one_line_and_no_password() {
    // A port nothing listens on: bind, note it, release it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://admin:Sup3rSecret@127.0.0.1:{port}/0");
    let r = run_url(&url, &["invalidate", "doc:1", "--timeout", "2s"]);
    // The one line of the error, after the warning about a password on the command line.
    let line = r.expect_error_after_notes(3);
    assert_eq!(r.stderr.lines().count(), 2, "{}", r.stderr);
    assert!(line.contains(&format!("127.0.0.1:{port}")), "{line}");
    assert!(line.contains("admin:***@"), "{line}");
    assert!(!r.stderr.contains("Sup3rSecret") && !r.stdout.contains("Sup3rSecret"));
}

#[test]
fn user_and_password_in_the_url_work_and_a_wrong_one_is_exit_3_never_echoed() {
    let server = RedisServer::start_tcp(&["--requirepass", "right-Pa55"]);
    let port = server.port.unwrap();
    let good = format!("redis://:right-Pa55@127.0.0.1:{port}");
    let r = run_url(&good, &["deps", "inspect", "doc:1", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");

    let acl = format!("redis://default:right-Pa55@127.0.0.1:{port}");
    assert_eq!(run_url(&acl, &["deps", "inspect", "doc:1"]).code, 0);

    let bad = format!("redis://default:wrong-Pa55@127.0.0.1:{port}");
    let r = run_url(&bad, &["invalidate", "doc:1"]);
    let line = r.expect_error_after_notes(3);
    assert!(!line.contains("wrong-Pa55"), "{line}");
    assert!(
        line.contains("password") || line.contains("WRONGPASS"),
        "{line}"
    );

    let none = format!("redis://127.0.0.1:{port}");
    let r = run_url(&none, &["invalidate", "doc:1"]);
    r.expect_one_line_error(3);
    assert_eq!(
        get(&mut server.conn(), "cc:dep:hash:doc:1"),
        None,
        "nothing written"
    );
}

#[test]
fn environment_variables_pick_the_server_in_order() {
    let server = RedisServer::start();
    let run_env = |vars: &[(&str, &str)]| {
        vars.iter()
            .fold(cmd_no_url(), |c, (k, v)| c.env(k, v))
            .args(&["deps", "inspect", "doc:1", "--timeout", "1s"])
            .run()
    };
    assert_eq!(run_env(&[("REDIS_URL", &server.url)]).code, 0);
    assert_eq!(run_env(&[("CACHECORE_REDIS_URL", &server.url)]).code, 0);
    // CACHECORE_REDIS_URL wins over REDIS_URL.
    let r = run_env(&[
        ("CACHECORE_REDIS_URL", &server.url),
        ("REDIS_URL", "redis://127.0.0.1:1"),
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = run_env(&[
        ("CACHECORE_REDIS_URL", "redis://127.0.0.1:1"),
        ("REDIS_URL", &server.url),
    ]);
    assert_eq!(r.code, 3);
}

#[test]
fn a_server_that_stops_answering_trips_the_timeout() {
    let server = RedisServer::start();
    server.signal("STOP");
    let started = Instant::now();
    let r = run(&server, &["invalidate", "doc:1", "--timeout", "500ms"]);
    let took = started.elapsed();
    server.signal("CONT");
    r.expect_one_line_error(3);
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn help_documents_exit_codes_and_hides_the_url_value() {
    let text = cmd_no_url()
        .env("CACHECORE_REDIS_URL", "redis://u:HelpSecret@h")
        .args(&["--help"])
        .succeeds()
        .stdout;
    for code in ["0 ", "1 ", "2 ", "3 ", "130 "] {
        assert!(
            text.contains(&format!("  {code}")),
            "exit code {code} in help:\n{text}"
        );
    }
    assert!(!text.contains("HelpSecret"));
    let usage = cmd_no_url().args(&["invalidate"]).run();
    assert_eq!(usage.code, 2, "clap usage errors are exit 2");
}
