//! Hostile input over real HTTP: wrong types, huge strings, NUL, invalid UTF-8, deep JSON,
//! broken multipart and random bodies, posted to the API intake, the resident's form and
//! Open311. Every answer is a 4xx naming the field (or a success), never a 500. And the
//! photos Open311 clients upload: served cleaned of the camera's GPS, at ids nobody can count.
//! `FUZZ_HTTP_CASES` sets the random bodies per endpoint (default 48; bench/fuzz.sh raises it).

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::pages::jpeg_with_gps;

const V2: &str = "/open311/v2";
const CSRF: &str = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuz";

struct Target {
    t: TestApp,
    key: String,
}

async fn target() -> Target {
    let t = TestApp::spawn().await;
    minhu_fixtures::demo::seed_catalogue(&t.app.store)
        .await
        .unwrap();
    let key = minhu_open311::issue_key(&t.app.store, "fuzz")
        .await
        .unwrap();
    Target { t, key }
}

/// What came back: the status and the body as text.
async fn send(rb: reqwest::RequestBuilder) -> (StatusCode, String) {
    let resp = rb.send().await.expect("the server answers");
    let status = resp.status();
    (status, resp.text().await.unwrap_or_default())
}

impl Target {
    async fn api(&self, content_type: &str, body: Vec<u8>) -> (StatusCode, String) {
        let rb = self
            .t
            .client
            .post(format!("{}/api/v1/requests", self.t.base))
            .bearer_auth(self.t.token("dxy_staff"))
            .header("content-type", content_type)
            .body(body);
        send(rb).await
    }
    async fn submit(&self, content_type: &str, body: Vec<u8>) -> (StatusCode, String) {
        let rb = self
            .t
            .client
            .post(format!("{}/submit", self.t.base))
            .header("cookie", format!("csrf={CSRF}"))
            .header("content-type", content_type)
            .body(body);
        send(rb).await
    }
    async fn open311(&self, content_type: &str, body: Vec<u8>) -> (StatusCode, String) {
        let rb = self
            .t
            .client
            .post(format!("{}{V2}/requests.json", self.t.base))
            .header("content-type", content_type)
            .body(body);
        send(rb).await
    }
}

fn never_500(what: &str, (status, body): &(StatusCode, String)) {
    assert!(
        !status.is_server_error(),
        "{what}: {status} {}",
        body.chars().take(300).collect::<String>()
    );
}

/// The field a JSON error names.
fn field_of(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    v["error"]["field"].as_str().map(str::to_string)
}

/// One part of a multipart body: its name, (file name, type) for a file, and its bytes.
type Part<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [u8]);

fn multipart(boundary: &str, parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file, data) in parts {
        let disposition = match file {
            Some((filename, ct)) => format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {ct}"
            ),
            None => format!("Content-Disposition: form-data; name=\"{name}\""),
        };
        body.extend_from_slice(format!("--{boundary}\r\n{disposition}\r\n\r\n").as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

#[tokio::test]
async fn the_api_intake_answers_hostile_bodies_with_a_4xx_naming_the_field() {
    let x = target().await;
    let base = json!({"channel": "walk_in", "type": "complaint", "content": "井盖破损", "jurisdiction": "DXY-G03"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        serde_json::to_vec(&b).unwrap()
    };
    let named = [
        (with("channel", json!(5)), "channel"),
        (with("channel", json!("\u{0}")), "channel"),
        (with("type", json!(["complaint"])), "type"),
        (with("content", json!({"a": 1})), "content"),
        (with("content", json!("x".repeat(6000))), "content"),
        (with("content", json!("   ")), "content"),
        (with("lat", json!("NaN")), "lat"),
        (with("lat", json!(1e300)), "lat"),
        (with("confidential", json!("yes please")), "confidential"),
        (with("requester", json!("王")), "requester"),
        (
            with("requester", json!({"phone": "１３８\u{0}"})),
            "requester.phone",
        ),
        (with("jurisdiction", json!("\u{202e}NOPE")), "jurisdiction"),
        (with("external_id", json!("e".repeat(500))), "external_id"),
    ];
    for (body, field) in named {
        let got = x.api("application/json", body).await;
        never_500(field, &got);
        assert!(got.0.is_client_error(), "{field}: {}", got.0);
        assert_eq!(field_of(&got.1).as_deref(), Some(field), "{}", got.1);
    }
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let unnamed: Vec<(&str, &str, Vec<u8>)> = vec![
        ("empty", "application/json", Vec::new()),
        ("null", "application/json", b"null".to_vec()),
        ("array", "application/json", b"[1,2]".to_vec()),
        ("truncated", "application/json", b"{\"channel\":".to_vec()),
        (
            "invalid utf-8",
            "application/json",
            b"{\"content\":\"\xff\xfe\"}".to_vec(),
        ),
        ("nul bytes", "application/json", b"\x00\x00\x00".to_vec()),
        ("deep", "application/json", deep.into_bytes()),
        (
            "huge",
            "application/json",
            with("content", json!("长".repeat(200_000))),
        ),
        (
            "number overflow",
            "application/json",
            b"{\"lat\": 1e99999}".to_vec(),
        ),
        ("not json", "text/plain", b"hello".to_vec()),
        (
            "form",
            "application/x-www-form-urlencoded",
            b"channel=walk_in".to_vec(),
        ),
    ];
    for (what, ct, body) in unnamed {
        let got = x.api(ct, body).await;
        never_500(what, &got);
        assert!(got.0.is_client_error(), "{what}: {}", got.0);
    }
    assert_eq!(x.t.count().await, 0, "nothing hostile was registered");
}

#[tokio::test]
async fn open311_and_the_form_answer_broken_bodies_with_a_4xx() {
    let x = target().await;
    let key = x.key.as_str();
    let b = "xXx-boundary";
    let ok_fields: Vec<Part> = vec![
        ("api_key", None, key.as_bytes()),
        ("service_code", None, b"SZ-JG"),
        ("description", None, "井盖破损".as_bytes()),
        ("address_string", None, "德馨苑".as_bytes()),
    ];
    let mut bad_utf8 = ok_fields.clone();
    bad_utf8.push(("last_name", None, b"\xff\xfe\x00"));
    let mut file_in_text = ok_fields.clone();
    file_in_text.push(("description", Some(("a.txt", "text/plain")), b"x"));
    let mut gif = ok_fields.clone();
    gif.push(("media", Some(("a.gif", "image/gif")), b"GIF89a"));
    let mut fake_jpeg = ok_fields.clone();
    fake_jpeg.push((
        "media",
        Some(("a.jpg", "image/jpeg")),
        b"\xFF\xD8\xFF\xE1\xFF\xFF",
    ));
    let mut nul_name = ok_fields.clone();
    nul_name.push(("\u{0}\u{0}", None, b"x"));
    let many: Vec<Part> = (0..2000)
        .map(|_| ("attribute[x]", None, &b"y"[..]))
        .collect();
    let mp = format!("multipart/form-data; boundary={b}");
    let cases: Vec<(&str, String, Vec<u8>)> = vec![
        (
            "no boundary",
            "multipart/form-data".into(),
            multipart(b, &ok_fields),
        ),
        (
            "wrong boundary",
            "multipart/form-data; boundary=other".into(),
            multipart(b, &ok_fields),
        ),
        (
            "unterminated",
            mp.clone(),
            multipart(b, &ok_fields)[..40].to_vec(),
        ),
        ("garbage", mp.clone(), b"\x00\xff--\r\n\r\n".to_vec()),
        ("invalid utf-8 field", mp.clone(), multipart(b, &bad_utf8)),
        (
            "file in a text field",
            mp.clone(),
            multipart(b, &file_in_text),
        ),
        ("gif", mp.clone(), multipart(b, &gif)),
        ("damaged jpeg", mp.clone(), multipart(b, &fake_jpeg)),
        ("nul field name", mp.clone(), multipart(b, &nul_name)),
        ("many parts", mp.clone(), multipart(b, &many)),
        (
            "form, invalid utf-8",
            "application/x-www-form-urlencoded".into(),
            b"api_key=%ff%fe&lat=%00".to_vec(),
        ),
        (
            "form, wrong types",
            "application/x-www-form-urlencoded".into(),
            format!("api_key={key}&service_code=SZ-JG&lat=north&long=1e999&description=x")
                .into_bytes(),
        ),
        ("json", "application/json".into(), b"{}".to_vec()),
    ];
    for (what, ct, body) in &cases {
        let got = x.open311(ct, body.clone()).await;
        never_500(&format!("open311 {what}"), &got);
        assert!(
            got.0.is_client_error(),
            "open311 {what}: {} {}",
            got.0,
            got.1
        );
        let got = x.submit(ct, body.clone()).await;
        never_500(&format!("submit {what}"), &got);
    }
    assert_eq!(x.t.count().await, 0, "nothing half-written");
}

/// Random bodies: JSON of any shape for the API, bytes and broken multipart for the forms.
#[tokio::test]
async fn random_bodies_never_make_a_500() {
    let x = target().await;
    let cases: usize = std::env::var("FUZZ_HTTP_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(48);
    let mut runner = TestRunner::default();
    let json_value = proptest::arbitrary::any::<String>()
        .prop_map(Value::String)
        .prop_recursive(4, 24, 6, |inner| {
            proptest::prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                proptest::collection::btree_map(
                    proptest::sample::select(vec![
                        "channel",
                        "type",
                        "content",
                        "requester",
                        "lat",
                        "lon",
                        "phone",
                        "jurisdiction",
                        "confidential",
                        "category",
                        "name",
                    ]),
                    inner,
                    0..6
                )
                .prop_map(|m| Value::Object(
                    m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                )),
            ]
        });
    let bytes = proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..300);
    let part = (
        "\\PC{0,12}",
        proptest::option::of(("\\PC{0,12}", "(image/jpeg|image/png|\\PC{0,10})")),
        proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..64),
    );
    let parts = proptest::collection::vec(part, 0..6);
    for i in 0..cases {
        let v = json_value.new_tree(&mut runner).unwrap().current();
        let got = x
            .api("application/json", serde_json::to_vec(&v).unwrap())
            .await;
        never_500(&format!("api case {i}: {v}"), &got);
        let raw = bytes.new_tree(&mut runner).unwrap().current();
        for ct in [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=b",
        ] {
            never_500(
                &format!("open311 bytes {i} {raw:?}"),
                &x.open311(ct, raw.clone()).await,
            );
            never_500(
                &format!("submit bytes {i} {raw:?}"),
                &x.submit(ct, raw.clone()).await,
            );
        }
        let ps = parts.new_tree(&mut runner).unwrap().current();
        let ps: Vec<Part> = ps
            .iter()
            .map(|(n, f, d)| {
                (
                    n.as_str(),
                    f.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
                    d.as_slice(),
                )
            })
            .collect();
        let body = multipart("b", &ps);
        let ct = "multipart/form-data; boundary=b";
        never_500(
            &format!("open311 multipart {i} {ps:?}"),
            &x.open311(ct, body.clone()).await,
        );
        never_500(
            &format!("submit multipart {i} {ps:?}"),
            &x.submit(ct, body).await,
        );
    }
}

#[tokio::test]
async fn open311_photos_lose_their_gps_and_cannot_be_counted() {
    let x = target().await;
    let photo = jpeg_with_gps();
    assert!(
        minhu_app::upload::gps_of(&photo).is_some(),
        "the test photo has a position"
    );
    let b = "gps-boundary";
    let mut ids = Vec::new();
    for _ in 0..3 {
        let body = multipart(
            b,
            &[
                ("api_key", None, x.key.as_bytes()),
                ("service_code", None, b"SZ-JG"),
                ("description", None, "井盖破损，见照片".as_bytes()),
                ("address_string", None, "德馨苑北门".as_bytes()),
                ("media", Some(("IMG_0001.jpg", "image/jpeg")), &photo),
            ],
        );
        let (s, text) = x
            .open311(&format!("multipart/form-data; boundary={b}"), body)
            .await;
        assert_eq!(s, StatusCode::CREATED, "{text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        ids.push(v[0]["service_request_id"].as_str().unwrap().to_string());
    }
    for id in &ids {
        let got: Value =
            x.t.client
                .get(format!("{}{V2}/requests/{id}.json", x.t.base))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        let url = got[0]["media_url"].as_str().expect("media_url").to_string();
        let last = url.rsplit('/').next().unwrap();
        assert!(
            last.len() >= 32 && last.parse::<u64>().is_err(),
            "guessable media id: {url}"
        );
        let img = x.t.client.get(&url).send().await.unwrap();
        assert_eq!(img.status(), StatusCode::OK);
        assert_eq!(img.headers()["content-type"], "image/jpeg");
        let served = img.bytes().await.unwrap();
        assert!(served.starts_with(&[0xFF, 0xD8]));
        assert!(!served.windows(4).any(|w| w == b"Exif"), "EXIF served");
        assert_eq!(minhu_app::upload::gps_of(&served), None, "GPS served");
        // The stored row holds no EXIF either: cleaned before storing, not only when served.
        let (_, stored) =
            x.t.app
                .store
                .open311_media_file(last)
                .await
                .unwrap()
                .unwrap();
        assert!(!stored.windows(4).any(|w| w == b"Exif"), "EXIF stored");
    }
    // Counting up the row numbers finds nothing.
    for n in 1..=20 {
        let s =
            x.t.client
                .get(format!("{}{V2}/media/{n}", x.t.base))
                .send()
                .await
                .unwrap()
                .status();
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "media {n} served by its sequential id"
        );
    }
}
