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

use std::path::Path;
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use minhu_store::{Store, StoreOptions};
use minhu_web::AppState;
use serde_json::{Value, json};

mod browser_harness;
use browser_harness::{shot, start_browser};

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

/// chromedriver's `POST /session/{id}/goog/cdp/execute`: one DevTools command to the page.
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"cmd": self.0, "params": self.1});
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
        self.on.send_replace(on);
        network(c, !on).await;
    }
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

/// Adds households to 德馨苑's first two grids: two in DXY-G01, one in DXY-G02.
async fn households(app: &AppState) -> Vec<i64> {
    use minhu_domain::grid_ledger::Tenure;
    use minhu_store::grid_ledger::{NewBuilding, NewHousehold};
    let mut ids = Vec::new();
    for (grid, number, room, head) in [
        ("DXY-G01", "3", "301", "王秀英"),
        ("DXY-G01", "3", "402", "李建国"),
        ("DXY-G02", "7", "101", "张伟"),
    ] {
        let building = app
            .store
            .add_building(&NewBuilding {
                community: "DXY".into(),
                grid: grid.into(),
                number: format!("{number}-{room}"),
                name: format!("德馨苑{number}号楼"),
                address: format!("德馨苑{number}号楼"),
                floors: Some(6),
            })
            .await
            .unwrap();
        let id = app
            .store
            .add_household(&NewHousehold {
                building_id: building,
                unit_id: None,
                grid: grid.into(),
                room: room.into(),
                head_name: head.into(),
                head_phone: "13800001111".into(),
                size: Some(1),
                tenure: Tenure::Owner,
            })
            .await
            .unwrap();
        ids.push(id.0);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_saved_in_a_stairwell_without_signal_syncs_once_in_chromium() {
    let Some((_driver, c, _profile)) = start_browser("offline", "360,740").await else {
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

    // Three households: two in the worker's grid (one never visited, so due), one in the
    // next grid.
    let homes = households(&app).await;
    let requests_before = app.store.count_requests().await.unwrap();

    // 1. The grid worker logs in on the phone and opens /grid: the service worker installs.
    c.set_window_size(360, 740).await.unwrap();
    c.goto(&format!("{base}/login?next=/grid")).await.unwrap();
    fill(&c, "#username", "dxy_g1").await;
    fill(&c, "#password", minhu_fixtures::demo::DEMO_PASSWORD).await;
    click(&c, "form[action='/login'] button[type=submit]").await;
    wait_text(&c, "#sync-status", "已同步").await;
    wait_controlled(&c).await;
    shot(&c, &shots, "offline-01-grid-today.png").await;

    // 2. The visit form, opened from the queue's link while there is still signal.
    c.refresh().await.unwrap();
    wait_text(&c, "#sync-status", "已同步").await;
    click(&c, &format!("li[data-household='{}'] a.button", homes[0])).await;
    c.wait()
        .for_element(Locator::Css("#visit-form"))
        .await
        .unwrap();
    let picked = c
        .find(Locator::Css("#household_id"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        picked,
        Some(homes[0].to_string()),
        "preselected from the queue"
    );

    // 3. In the stairwell the signal goes, mid-visit.
    select(&c, "#kind", "care").await;
    fill(&c, "#notes", "独居老人，身体尚可，提醒冬季用电安全。").await;
    signal.set(&c, false).await;
    click(&c, "#add-finding").await;
    select(
        &c,
        "#findings .finding-row select[data-name='class']",
        "public_security",
    )
    .await;
    fill(
        &c,
        "#findings .finding-row textarea[data-name='text']",
        "楼层过道未封闭，窗户敞开，冬天冷风直灌。",
    )
    .await;
    click(&c, "#findings .finding-row input[value='reported']").await;
    shot(&c, &shots, "offline-02-visit-form.png").await;
    click(&c, "#save-visit").await;
    wait_text(&c, "#sync-status", "已保存，待同步 1 条").await;
    wait_text(&c, ".form-message", "已保存").await;
    shot(&c, &shots, "offline-03-visit-queued.png").await;

    // 4. A second item, a patrol finding, on a page opened offline (from the cache).
    c.goto(&format!("{base}/grid/finding")).await.unwrap();
    wait_text(&c, "#sync-status", "已保存，待同步 1 条").await;
    select(&c, "#class", "sanitation").await;
    fill(&c, "#text", "单元门口堆放的纸箱已当场清走。").await;
    click(&c, "#finding-form input[value='solved_on_spot']").await;
    click(&c, "#save-finding").await;
    wait_text(&c, "#sync-status", "已保存，待同步 2 条").await;

    // 5. Reloaded offline, the page still works and still holds both.
    c.refresh().await.unwrap();
    wait_text(&c, "#sync-status", "已保存，待同步 2 条").await;
    c.goto(&format!("{base}/grid")).await.unwrap();
    wait_text(&c, "#sync-status", "已保存，待同步 2 条").await;
    shot(&c, &shots, "offline-04-reloaded-offline.png").await;
    assert_eq!(app.store.count_requests().await.unwrap(), requests_before);
    let queued = run(
        &c,
        "var done = arguments[0]; MinhuQueue.all().then(function (items) { done(items); });",
    )
    .await;
    assert_eq!(queued.as_array().unwrap().len(), 2, "{queued}");

    // 6. The signal returns: the queue syncs by itself.
    signal.set(&c, true).await;
    wait_text(&c, "#sync-status", "已同步").await;
    shot(&c, &shots, "offline-05-synced.png").await;
    let check = |app: AppState| async move {
        let today = minhu_domain::time::local_date(app.now());
        let (visits, findings) = app.store.diary_facts("dxy_g1", today).await.unwrap();
        let mine = app.store.findings_of_worker("dxy_g1", 100).await.unwrap();
        let reported: Vec<_> = mine.iter().filter(|f| f.request_code.is_some()).collect();
        (
            visits.len(),
            findings.len(),
            reported.len(),
            app.store.count_requests().await.unwrap(),
        )
    };
    assert_eq!(
        check(app.clone()).await,
        (1, 2, 1, requests_before + 1),
        "one visit, two findings, one request for the reported finding"
    );

    // 7. The answers lost: the same items sent again (the queue replayed as it was saved).
    let replay = format!(
        "var done = arguments[0]; var items = {queued};
         Promise.all(items.map(function (i) {{ return MinhuQueue.put(i); }}))
           .then(function () {{ return MinhuQueue.sync(); }})
           .then(function () {{ return MinhuQueue.all(); }})
           .then(function (left) {{ done(left.length); }});"
    );
    assert_eq!(run(&c, &replay).await, json!(0), "the replay was answered");
    wait_text(&c, "#sync-status", "已同步").await;
    assert_eq!(
        check(app.clone()).await,
        (1, 2, 1, requests_before + 1),
        "a replayed sync makes nothing new"
    );

    // 8. My findings show the request's state; the diary counts the day.
    c.goto(&format!("{base}/grid/findings")).await.unwrap();
    wait_text(&c, "#my-findings", "楼层过道未封闭").await;
    wait_text(&c, "#my-findings .request-state", "已登记").await;
    let code = text_of(&c, "#my-findings .code").await;
    assert!(
        code.len() >= 12 && code.chars().all(|ch| ch.is_ascii_digit()),
        "{code}"
    );
    shot(&c, &shots, "offline-06-my-findings.png").await;
    click(&c, "header nav a[href^='/grid/diary/']").await;
    wait_text(&c, "#diary-households", "1").await;
    assert_eq!(text_of(&c, "#diary-solved").await, "1");
    assert_eq!(text_of(&c, "#diary-reported").await, "1");
    shot(&c, &shots, "offline-07-diary.png").await;
    // The printable diary page (A4, the print stylesheet), kept beside the screenshots.
    let pdf = c
        .print(fantoccini::wd::PrintConfiguration::default())
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    std::fs::write(shots.join("offline-07-diary-print.pdf"), pdf).unwrap();
    c.issue_cmd(Cdp("Emulation.setEmulatedMedia", json!({"media": "print"})))
        .await
        .unwrap();
    c.set_window_size(794, 1123).await.unwrap();
    shot(&c, &shots, "offline-07b-diary-as-printed.png").await;
    c.issue_cmd(Cdp("Emulation.setEmulatedMedia", json!({"media": ""})))
        .await
        .unwrap();
    c.set_window_size(360, 740).await.unwrap();

    // 9. A record the server refuses (another grid's household) is shown and kept.
    let refused = format!(
        "var done = arguments[0];
         MinhuQueue.save('visit', '/grid/visits', {{grid: 'DXY-G01', household_id: {}, kind: 'routine', notes: '', findings: []}})
           .then(function () {{ setTimeout(function () {{ MinhuQueue.all().then(done); }}, 1500); }});",
        homes[2]
    );
    let left = run(&c, &refused).await;
    assert_eq!(left[0]["state"], "rejected", "{left}");
    wait_text(&c, "#sync-refused", "服务器退回").await;
    let message = text_of(&c, "#sync-refused .refused-message").await;
    assert!(
        message
            .chars()
            .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)),
        "the refusal is told in Chinese: {message}"
    );
    shot(&c, &shots, "offline-08-refused.png").await;
    assert_eq!(check(app.clone()).await.0, 1, "nothing recorded for it");

    c.close().await.unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
