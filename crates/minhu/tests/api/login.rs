//! Attacks on staff login: open redirects through `next` in every spelling browsers read as
//! another site, a stranger locking `admin` out for everyone, a spoofed or (behind a proxy)
//! shared client address, and parallel guesses racing the password check.

use std::sync::Arc;

use minhu_app::{App, Config};
use minhu_store::{Store, StoreOptions};
use minhu_web::AppState;
use reqwest::StatusCode;
use tokio::sync::oneshot;

use crate::helpers::{PEOPLE, TestApp, fresh_database};
use crate::pages::{PASSWORD, with_passwords};

/// A server started with a configuration of our own (trusted proxies), on a fresh database
/// with the demo people; stops when dropped.
struct Server {
    base: String,
    _stop: oneshot::Sender<()>,
    _dir: Option<tempfile::TempDir>,
}

async fn serve_with(config: Config) -> Server {
    let (url, dir) = fresh_database().await;
    let store = Store::open(&url, StoreOptions::default()).await.unwrap();
    let (js, us) = minhu_fixtures::demo::organisation();
    store.upsert_org(&js, &us).await.unwrap();
    let hash = minhu_web::auth::hash_password(PASSWORD);
    for (name, role, scope) in PEOPLE {
        store
            .add_user(name, None, *role, scope, Some(&hash))
            .await
            .unwrap();
    }
    let app = AppState::new(App::with_config(store, config).await.unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = minhu::server::serve(listener, app, async move {
            let _ = stopped.await;
        })
        .await;
    });
    Server {
        base,
        _stop: stop,
        _dir: dir,
    }
}

/// One login post as a browser sends it (CSRF cookie and field), optionally through a proxy
/// that says who it forwards. Returns the status and the redirect target.
async fn login(
    base: &str,
    username: &str,
    password: &str,
    next: Option<&str>,
    forwarded_for: Option<&str>,
) -> (StatusCode, String) {
    let csrf = "t".repeat(43);
    let mut fields = vec![
        ("_csrf", csrf.as_str()),
        ("username", username),
        ("password", password),
    ];
    if let Some(n) = next {
        fields.push(("next", n));
    }
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut rb = client
        .post(format!("{base}/login"))
        .header("cookie", format!("csrf={csrf}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(xff) = forwarded_for {
        rb = rb.header("x-forwarded-for", xff);
    }
    let resp = rb.send().await.unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, location)
}

fn behind_local_proxy() -> Config {
    Config {
        trusted_proxies: vec![minhu_app::login_limit::parse_trusted_proxy("127.0.0.1/32").unwrap()],
        ..Config::default()
    }
}

#[tokio::test]
async fn next_is_followed_only_when_it_is_a_path_of_this_site() {
    let app = TestApp::spawn().await;
    with_passwords(&app, &["dxy_staff"]).await;
    let hostile = [
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/%09/evil.example",
        "/%2F/evil.example",
        "/%2f/evil.example",
        "/%5Cevil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/%0d%0a/evil.example",
        "/ /evil.example",
        "/\u{0}/evil.example",
        "/\u{7f}/evil.example",
        "/\u{3000}/evil.example",
        "/／evil.example",
        " //evil.example",
        "https://evil.example/",
        "http:evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ];
    for next in hostile {
        let (s, location) = login(&app.base, "dxy_staff", PASSWORD, Some(next), None).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(location, "/staff", "followed {next:?}");
    }
    let (_, location) = login(
        &app.base,
        "dxy_staff",
        PASSWORD,
        Some("/staff?view=red"),
        None,
    )
    .await;
    assert_eq!(location, "/staff?view=red", "a real path is followed");
    // The form does not carry a hostile `next` either.
    let page = reqwest::get(format!("{}/login?next=/%09/evil.example", app.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"<input type="hidden" name="next" value="/staff">"#),
        "{page}"
    );
}

#[tokio::test]
async fn a_stranger_cannot_lock_admin_out_for_everyone() {
    let server = serve_with(behind_local_proxy()).await;
    let stranger = Some("203.0.113.9");
    let mut checked = 0;
    for _ in 0..12 {
        let (s, _) = login(&server.base, "admin", "guess", None, stranger).await;
        assert!(
            s == StatusCode::UNAUTHORIZED || s == StatusCode::TOO_MANY_REQUESTS,
            "{s}"
        );
        checked += usize::from(s == StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        checked, 5,
        "the stranger's address gets five guesses at admin"
    );
    // Not even the right password gets through from that address now.
    let (s, _) = login(&server.base, "admin", PASSWORD, None, stranger).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    // The real admin, elsewhere, logs in.
    let (s, location) = login(&server.base, "admin", PASSWORD, None, Some("198.51.100.20")).await;
    assert_eq!((s, location.as_str()), (StatusCode::SEE_OTHER, "/staff"));
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_member_of_staff_is_their_own_address() {
    let server = serve_with(behind_local_proxy()).await;
    // One address sprays wrong passwords over every account: it is stopped after 20.
    let sprayer = Some("203.0.113.50");
    let mut checked = 0;
    for round in 0..3 {
        for (name, _, _) in PEOPLE {
            let (s, _) = login(&server.base, name, &format!("guess{round}"), None, sprayer).await;
            checked += usize::from(s == StatusCode::UNAUTHORIZED);
        }
    }
    assert_eq!(checked, 20, "twenty guesses per address over all accounts");
    // Every member of staff behind the same proxy, each at their own address, still logs in.
    for (i, (name, _, _)) in PEOPLE.iter().enumerate() {
        let xff = format!("198.51.100.{}, 10.1.2.3", i + 1);
        let (s, _) = login(&server.base, name, PASSWORD, None, Some(&xff)).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{name} via {xff}");
    }
    // Many successful logins from one office address are not counted against it.
    for _ in 0..25 {
        let (s, _) = login(
            &server.base,
            "dxy_staff",
            PASSWORD,
            None,
            Some("198.51.100.99"),
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    // No trusted proxy: a stranger who invents a new X-Forwarded-For each time is still one
    // address, and is stopped after five guesses.
    let app = TestApp::spawn().await;
    with_passwords(&app, &["admin"]).await;
    let mut checked = 0;
    for i in 0..10 {
        let xff = format!("192.0.2.{i}");
        let (s, _) = login(&app.base, "admin", "guess", None, Some(&xff)).await;
        checked += usize::from(s == StatusCode::UNAUTHORIZED);
    }
    assert_eq!(checked, 5);
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_the_password_is_checked() {
    let app = TestApp::spawn().await;
    with_passwords(&app, &["admin"]).await;
    let base = Arc::new(app.base.clone());
    let guesses: Vec<_> = (0..50)
        .map(|i| {
            let base = base.clone();
            tokio::spawn(async move {
                login(&base, "admin", &format!("guess{i}"), None, None)
                    .await
                    .0
            })
        })
        .collect();
    let mut checked = 0;
    let mut refused = 0;
    for g in guesses {
        match g.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(checked <= 5, "{checked} guesses reached the password check");
    assert_eq!(checked + refused, 50);
}
