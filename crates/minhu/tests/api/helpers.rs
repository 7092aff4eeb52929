use std::collections::HashMap;
use std::path::PathBuf;

use minhu_domain::org::Role;
use minhu_store::{Store, StoreOptions};
use minhu_web::AppState;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db_url: String,
    pub app: AppState,
    tokens: HashMap<String, String>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

/// A fresh database URL: PostgreSQL if configured, else a SQLite file in a temp dir.
pub async fn fresh_database() -> (String, Option<tempfile::TempDir>) {
    match std::env::var("MINHU_TEST_POSTGRES_URL") {
        Ok(admin) if !admin.is_empty() => (
            minhu_store::create_scratch_postgres(&admin)
                .await
                .expect("create scratch postgres database"),
            None,
        ),
        _ => {
            let dir = tempfile::tempdir().expect("tempdir");
            let path: PathBuf = dir.path().join("minhu.db");
            (format!("sqlite://{}", path.display()), Some(dir))
        }
    }
}

/// Demo organisation and the people the tests act as.
pub const PEOPLE: &[(&str, Role, &str)] = &[
    ("admin", Role::DistrictAdmin, "SFQ"),
    ("auditor", Role::Auditor, "SFQ"),
    ("yb_street", Role::StreetStaff, "YB"),
    ("xy_street", Role::StreetStaff, "XY"),
    ("dxy_staff", Role::CommunityStaff, "DXY"),
    ("ybsq_staff", Role::CommunityStaff, "YBSQ"),
    ("dxy_g3", Role::GridWorker, "DXY-G03"),
    ("h_dxy_cd", Role::UnitHandler, "DXY-CD"),
    ("h_dxy_wy", Role::UnitHandler, "DXY-WY"),
    ("h_dxy_gzf", Role::UnitHandler, "DXY-GZF"),
    ("h_cgj", Role::UnitHandler, "CGJ"),
];

impl TestApp {
    pub async fn spawn() -> TestApp {
        let (db_url, dir) = fresh_database().await;
        let mut app = Self::start(&db_url).await;
        let (js, us) = minhu_fixtures::demo::organisation();
        app.app.store.upsert_org(&js, &us).await.expect("org");
        app.app.reload().await.expect("reload");
        for (name, role, scope) in PEOPLE {
            app.app
                .store
                .add_user(name, None, *role, scope, None)
                .await
                .expect("user");
            let token = minhu_web::auth::issue_token(&app.app.store, name, None)
                .await
                .expect("token");
            app.tokens.insert(name.to_string(), token);
        }
        app._dir = dir;
        app
    }

    /// Starts a server on an existing database.
    pub async fn start(db_url: &str) -> TestApp {
        let store = Store::open(db_url, StoreOptions::default())
            .await
            .expect("open store");
        let app = AppState::load(store).await.expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let served = app.clone();
        let task = tokio::spawn(async move {
            minhu::server::serve(listener, served, async move {
                let _ = stopped.await;
            })
            .await
            .expect("serve");
        });
        TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            db_url: db_url.to_string(),
            app,
            tokens: HashMap::new(),
            stop: Some(stop),
            task: Some(task),
            _dir: None,
        }
    }

    /// Stops the server the way `minhu serve` stops on SIGTERM.
    pub async fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.expect("server task");
        }
    }

    /// Restarts on the same database, keeping the tokens.
    pub async fn restart(mut self) -> TestApp {
        self.stop().await;
        let mut next = Self::start(&self.db_url).await;
        next.tokens = std::mem::take(&mut self.tokens);
        next._dir = self._dir.take();
        next
    }

    /// Adds a person (and a token for them) after the start.
    pub async fn add_person(&mut self, name: &str, role: Role, scope: &str) {
        self.app
            .store
            .add_user(name, None, role, scope, None)
            .await
            .expect("user");
        let token = minhu_web::auth::issue_token(&self.app.store, name, None)
            .await
            .expect("token");
        self.tokens.insert(name.to_string(), token);
    }

    pub fn token(&self, who: &str) -> &str {
        self.tokens
            .get(who)
            .unwrap_or_else(|| panic!("no token for {who}"))
    }

    pub async fn call(
        &self,
        who: Option<&str>,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut rb = self.client.request(method, format!("{}{path}", self.base));
        if let Some(w) = who {
            rb = rb.bearer_auth(self.token(w));
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.expect("send");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
        };
        (status, v)
    }

    pub async fn get(&self, who: &str, path: &str) -> (StatusCode, Value) {
        self.call(Some(who), reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, who: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Some(who), reqwest::Method::POST, path, Some(body))
            .await
    }

    pub async fn act(&self, who: &str, id: i64, action: &str, body: Value) -> (StatusCode, Value) {
        self.post(
            who,
            &format!("/api/v1/requests/{id}/actions/{action}"),
            body,
        )
        .await
    }

    /// Acts and insists on success; returns the updated request.
    pub async fn step(&self, who: &str, id: i64, action: &str, body: Value) -> Value {
        let (s, v) = self.act(who, id, action, body).await;
        assert_eq!(s, StatusCode::OK, "{who} {action} on {id}: {v}");
        v
    }

    /// A walk-in request registered by 德馨苑's counter; returns its id.
    pub async fn walk_in(&self, content: &str) -> i64 {
        let (s, v) = self
            .post("dxy_staff", "/api/v1/requests", json!({"channel": "walk_in", "type": "complaint", "content": content, "jurisdiction": "DXY-G03"}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["id"].as_i64().unwrap()
    }

    pub async fn count(&self) -> i64 {
        self.app.store.count_requests().await.unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

pub fn actions(v: &Value) -> Vec<String> {
    v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}
