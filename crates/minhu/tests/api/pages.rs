//! The pages over real HTTP, as a browser without JavaScript uses them: cookies, forms,
//! redirects. (The Chromium suite in tests/browser.rs drives the same flow with clicks.)

use std::collections::HashMap;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};

use crate::helpers::TestApp;

/// A cookie-keeping client that does not follow redirects.
pub struct Visitor {
    base: String,
    client: reqwest::Client,
    cookies: HashMap<String, String>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl Visitor {
    pub fn new(app: &TestApp) -> Visitor {
        Visitor {
            base: app.base.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn keep(&mut self, resp: reqwest::Response) -> Reply {
        for v in resp.headers().get_all(SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (kv, _) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            if val.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), val.to_string());
            }
        }
        Reply {
            status: resp.status(),
            headers: resp.headers().clone(),
            body: resp.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(resp).await
    }

    pub fn csrf(&self) -> String {
        self.cookies.get("csrf").cloned().unwrap_or_default()
    }

    /// Posts a form with the page's CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let token = self.csrf();
        let mut all: Vec<(&str, &str)> = vec![("_csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.keep(resp).await
    }

    pub async fn post_multipart(&mut self, path: &str, form: reqwest::multipart::Form) -> Reply {
        let resp = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.keep(resp).await
    }

    /// Logs in through the form and lands on the queue.
    pub async fn login(&mut self, username: &str, password: &str) {
        self.get("/login").await;
        let r = self
            .post(
                "/login",
                &[
                    ("username", username),
                    ("password", password),
                    ("next", "/staff"),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login {username}: {}",
            r.body
        );
        assert_eq!(r.location(), "/staff");
        assert!(self.cookies.contains_key("minhu_session"));
    }
}

pub const PASSWORD: &str = "correct horse 马 battery";

/// Gives the test people passwords (the API suite's users have tokens only).
pub async fn with_passwords(app: &TestApp, who: &[&str]) {
    let hash = minhu_web::auth::hash_password(PASSWORD);
    for w in who {
        assert!(app.app.store.set_password(w, &hash).await.unwrap());
    }
}

/// Where the counter's receipt leads on: the new request's page.
pub fn receipt_next(html: &str) -> String {
    let at = html.find("id=\"continue\" href=\"").expect("no #continue") + 20;
    html[at..].split('"').next().unwrap().replace("&#x3f;", "?")
}

/// The text between `<tag id="ID">` and the next `<`.
pub fn by_id<'a>(html: &'a str, id: &str) -> &'a str {
    let marker = format!("id=\"{id}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in page"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap();
    rest[start..start + end].trim()
}

#[tokio::test]
async fn public_pages_speak_chinese_by_default_and_english_on_request() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    for path in [
        "/",
        "/wall",
        "/wall?tab=answered",
        "/track",
        "/submit",
        "/login",
    ] {
        let r = v.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.body.contains("<html lang=\"zh-CN\">"), "{path}");
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    }
    assert!(v.get("/wall").await.body.contains("问题墙"));
    // ?lang=en switches and is remembered in a cookie.
    let r = v.get("/wall?lang=en").await;
    assert!(r.body.contains("Problem wall") && r.body.contains("<html lang=\"en\">"));
    assert!(v.get("/track").await.body.contains("Track your request"));
    // Accept-Language alone, for a new visitor.
    let r = reqwest::Client::new()
        .get(format!("{}/", app.base))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("Report a problem"));
    // Large type is a class on the body, remembered too.
    assert!(
        v.get("/?large=1")
            .await
            .body
            .contains("<body class=\"large\">")
    );
    assert!(v.get("/wall").await.body.contains("<body class=\"large\">"));
    // Unknown pages are pages, not JSON, for people.
    let r = v.get("/track/000?lang=zh").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("未找到"), "{}", r.body);
}

#[tokio::test]
async fn a_form_post_without_its_token_or_from_another_site_is_refused() {
    let app = TestApp::spawn().await;
    with_passwords(&app, &["dxy_staff"]).await;
    let mut v = Visitor::new(&app);
    v.get("/login").await;
    // No token at all.
    let r = v
        .post_raw(
            "/login",
            &[("username", "dxy_staff"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("表单已失效"), "{}", r.body);
    assert!(!v.cookies.contains_key("minhu_session"));
    // A token that is not this browser's.
    let r = v
        .post_raw(
            "/login",
            &[
                ("_csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                ("username", "dxy_staff"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The right token sent by another site (the browser says so).
    let token = v.csrf();
    let body = format!("_csrf={token}&username=dxy_staff&password=x");
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/login", app.base))
        .header("cookie", format!("csrf={token}"))
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A staff action without the token changes nothing.
    v.login("dxy_staff", PASSWORD).await;
    let id = app.walk_in("3号楼楼道灯不亮").await;
    let r = v
        .post_raw(
            &format!("/staff/requests/{id}/act/accept"),
            &[("note", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (_, req) = app
        .get("dxy_staff", &format!("/api/v1/requests/{id}"))
        .await;
    assert_eq!(req["state"], "registered");
}

#[tokio::test]
async fn login_checks_the_password_limits_attempts_and_logout_ends_the_session() {
    let app = TestApp::spawn().await;
    with_passwords(&app, &["dxy_staff", "ybsq_staff"]).await;
    let mut v = Visitor::new(&app);
    // Staff pages send a stranger to the login form, remembering where they were going.
    let r = v.get("/staff?view=red").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?next=%2Fstaff%3Fview%3Dred");
    v.get("/login").await;
    let r = v
        .post(
            "/login",
            &[("username", "dxy_staff"), ("password", "wrong")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("用户名或密码不正确"));
    // Five failures for one username lock it for a while, even with the right password.
    for _ in 0..4 {
        v.post(
            "/login",
            &[("username", "dxy_staff"), ("password", "wrong")],
        )
        .await;
    }
    let r = v
        .post(
            "/login",
            &[("username", "dxy_staff"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(!v.cookies.contains_key("minhu_session"));
    // Another person from another browser is not locked out by that username's failures
    // (all test traffic shares one address, which has had five failures too — so use the
    // limiter's per-address window only after a fresh start).
    let app2 = TestApp::spawn().await;
    with_passwords(&app2, &["ybsq_staff"]).await;
    let mut w = Visitor::new(&app2);
    w.login("ybsq_staff", PASSWORD).await;
    let r = w.get("/staff").await;
    assert_eq!(r.status, StatusCode::OK);
    // The test accounts have no display name: the header shows the username.
    assert!(
        r.body.contains("<span class=\"who\">ybsq_staff</span>"),
        "{}",
        r.body
    );
    // An open redirect is not followed.
    let r = w
        .post(
            "/login",
            &[
                ("username", "ybsq_staff"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/staff");
    let cookie = w.cookies.get("minhu_session").cloned().unwrap();
    // Logging out ends the session on the server: the old cookie no longer works.
    let r = w.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/staff", app2.base))
        .header("cookie", format!("minhu_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_clerk_of_one_community_cannot_open_a_request_of_another() {
    let app = TestApp::spawn().await;
    with_passwords(&app, &["ybsq_staff", "dxy_staff", "h_cgj"]).await;
    let id = app.walk_in("德馨苑5号楼电梯故障").await;
    let mut other = Visitor::new(&app);
    other.login("ybsq_staff", PASSWORD).await;
    let r = other.get(&format!("/staff/requests/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("电梯故障"));
    // Nor act on it, nor see its photos, nor find it in the queue.
    let r = other
        .post(&format!("/staff/requests/{id}/act/accept"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = other.get("/staff?view=area&q=电梯故障").await;
    assert_eq!(by_id(&r.body, "queue-total"), "0");
    // A department that has not been given it sees nothing either.
    let mut dept = Visitor::new(&app);
    dept.login("h_cgj", PASSWORD).await;
    assert_eq!(
        dept.get(&format!("/staff/requests/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // Its own community sees it, with the phone masked until asked for and logged.
    let mut own = Visitor::new(&app);
    own.login("dxy_staff", PASSWORD).await;
    let r = own.get(&format!("/staff/requests/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("电梯故障"));
}

/// A small JPEG carrying an EXIF GPS position (31.2304 N, 121.4737 E).
pub fn jpeg_with_gps() -> Vec<u8> {
    use exif::experimental::Writer;
    use exif::{Field, In, Rational, Tag, Value};
    let r = |n: u32, d: u32| Rational { num: n, denom: d };
    let fields = [
        Field {
            tag: Tag::GPSLatitudeRef,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"N".to_vec()]),
        },
        Field {
            tag: Tag::GPSLatitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![r(31, 1), r(13, 1), r(4944, 100)]),
        },
        Field {
            tag: Tag::GPSLongitudeRef,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"E".to_vec()]),
        },
        Field {
            tag: Tag::GPSLongitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![r(121, 1), r(28, 1), r(2532, 100)]),
        },
    ];
    let mut w = Writer::new();
    for f in &fields {
        w.push_field(f);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    w.write(&mut tiff, false).unwrap();
    let tiff = tiff.into_inner();
    let mut jpeg = vec![0xFF, 0xD8];
    let len = (tiff.len() + 8) as u16;
    jpeg.extend_from_slice(&[0xFF, 0xE1]);
    jpeg.extend_from_slice(&len.to_be_bytes());
    jpeg.extend_from_slice(b"Exif\0\0");
    jpeg.extend_from_slice(&tiff);
    jpeg.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x04, 1, 2]);
    jpeg.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 9, 9, 0xFF, 0xD9]);
    jpeg
}

#[tokio::test]
async fn from_the_residents_form_to_the_echo_wall_without_javascript() {
    let app = TestApp::spawn().await;
    with_passwords(&app, &["dxy_staff", "h_dxy_wy"]).await;
    // A resident reports, with a photo taken on a phone.
    let mut resident = Visitor::new(&app);
    resident.get("/submit").await;
    let form = reqwest::multipart::Form::new()
        .text("_csrf", resident.csrf())
        .text("content", "德馨苑7号楼楼道里有人给电动车充电，电线从窗户拉下来，很危险。我是住户王秀英，电话13812345678")
        .text("type", "complaint")
        .text("jurisdiction", "DXY")
        .text("address", "德馨苑7号楼2单元")
        .text("name", "王秀英")
        .text("phone", "13812345678")
        .part(
            "photos",
            reqwest::multipart::Part::bytes(jpeg_with_gps())
                .file_name("楼道.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let r = resident.post_multipart("/submit", form).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let code = by_id(&r.body, "tracking-code").to_string();
    // The rating key is given in this answer only; the rating below needs it.
    let rating_key = by_id(&r.body, "rating-key").to_string();
    assert!(r.body.contains("已收到照片：1"));
    let track = resident.get(&format!("/track/{code}")).await;
    assert_eq!(by_id(&track.body, "track-state"), "已登记");
    // The requester's own page never shows the name or number in full.
    assert!(!track.body.contains("王秀英") && !track.body.contains("13812345678"));
    assert!(track.body.contains("王**"), "{}", track.body);

    // The community clerk finds it, sees the photo and where it was taken, accepts it
    // and dispatches it to the property company the catalogue suggests.
    let mut clerk = Visitor::new(&app);
    clerk.login("dxy_staff", PASSWORD).await;
    let queue = clerk.get("/staff?view=new").await;
    assert!(queue.body.contains(&code));
    let id: i64 = {
        let at = queue.body.find(&format!(">{code}<")).unwrap();
        let before = &queue.body[..at];
        let href = before.rfind("/staff/requests/").unwrap();
        before[href + 16..]
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let page = clerk.get(&format!("/staff/requests/{id}")).await;
    assert_eq!(by_id(&page.body, "requester-phone"), "138****5678");
    assert!(
        page.body.contains("31.23040, 121.47370"),
        "GPS shown to staff"
    );
    let photo_href = {
        let at = page
            .body
            .find(&format!("/staff/requests/{id}/photos/"))
            .unwrap();
        page.body[at..].split('"').next().unwrap().to_string()
    };
    let photo = clerk.get(&photo_href).await;
    assert_eq!(photo.status, StatusCode::OK);
    assert!(
        !photo.body.contains("Exif"),
        "the served photo has no EXIF block"
    );
    assert_eq!(
        resident.get(&photo_href).await.status,
        StatusCode::SEE_OTHER
    );
    // Revealing the number is logged with its purpose.
    let before = app.app.store.access_log_count(id).await.unwrap();
    let shown = clerk
        .get(&format!(
            "/staff/requests/{id}?reveal=1&purpose=%E7%94%B5%E8%AF%9D%E5%9B%9E%E8%AE%BF"
        ))
        .await;
    assert_eq!(by_id(&shown.body, "requester-phone"), "13812345678");
    assert_eq!(
        app.app.store.access_log_count(id).await.unwrap(),
        before + 1
    );

    let r = clerk
        .post(&format!("/staff/requests/{id}/act/accept"), &[("note", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The clerk sets the category the resident could not know; the queue row follows.
    let r = clerk
        .post(
            &format!("/staff/requests/{id}/act/categorise"),
            &[("category", "物业管理/公共设施/楼道")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (_, listed) = app
        .get("dxy_staff", &format!("/api/v1/requests?q={code}"))
        .await;
    assert_eq!(listed["items"][0]["category"], "物业管理/公共设施/楼道");
    let (_, full) = app
        .get("dxy_staff", &format!("/api/v1/requests/{id}"))
        .await;
    let last = full["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "categorise");
    let page = clerk.get(&format!("/staff/requests/{id}")).await;
    assert!(page.body.contains("id=\"action-dispatch\""));
    assert!(
        !page.body.contains("id=\"action-reply\""),
        "the clerk cannot reply for the unit"
    );
    let r = clerk
        .post(
            &format!("/staff/requests/{id}/act/dispatch"),
            &[("unit", "DXY-WY"), ("difficulty", "easy"), ("urgency", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        by_id(
            &clerk.get(&format!("/staff/requests/{id}")).await.body,
            "request-state"
        ),
        "待签收"
    );
    // A bad form gets a page that names the problem, and changes nothing.
    let (_, before) = app
        .get("dxy_staff", &format!("/api/v1/requests/{id}"))
        .await;
    let r = clerk
        .post(
            &format!("/staff/requests/{id}/act/transfer"),
            &[("unit", "NOPE"), ("reason", "转办")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("未找到单位“NOPE”"), "{}", r.body);
    let (_, after) = app
        .get("dxy_staff", &format!("/api/v1/requests/{id}"))
        .await;
    assert_eq!(before["events"], after["events"]);

    // The property company signs and replies.
    let mut handler = Visitor::new(&app);
    handler.login("h_dxy_wy", PASSWORD).await;
    assert!(handler.get("/staff").await.body.contains(&code));
    let r = handler
        .post(&format!("/staff/requests/{id}/act/sign"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = handler
        .post(
            &format!("/staff/requests/{id}/act/reply"),
            &[
                (
                    "public_reply",
                    "已在7号楼下安装电动车集中充电桩，楼道飞线已拆除。",
                ),
                (
                    "account",
                    "物业与社区联合巡查，拆除飞线3处，联系供电公司安装充电桩8个。",
                ),
                ("measures", "安装充电桩、拆除飞线、每周巡查"),
                ("solved", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The clerk reviews the reply.
    let r = clerk
        .post(
            &format!("/staff/requests/{id}/act/review"),
            &[("pass", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The resident sees the reply and rates it.
    let track = resident.get(&format!("/track/{code}")).await;
    assert!(track.body.contains("集中充电桩"));
    assert!(
        !track.body.contains("联系供电公司"),
        "the internal account stays internal"
    );
    assert!(track.body.contains("id=\"rate-form\""));
    let r = resident
        .post(
            &format!("/track/{code}/rate"),
            &[
                ("satisfaction", "satisfied"),
                ("comment", "谢谢物业"),
                ("rating_key", &rating_key),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let track = resident.get(&format!("/track/{code}?rated=1")).await;
    assert_eq!(by_id(&track.body, "track-state"), "已结案");
    assert!(!track.body.contains("id=\"rate-form\""), "rated once");

    // On the echo wall: de-identified, with measures, unit and satisfaction.
    let wall = resident.get("/wall?tab=answered&community=DXY").await;
    let row = &wall.body[wall.body.find(&format!("data-code=\"{code}\"")).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("网上提交"));
    assert!(row.contains("电动车"));
    assert!(row.contains("安装充电桩"));
    assert!(row.contains("德馨苑"));
    assert!(row.contains("满意"));
    assert!(
        !row.contains("王秀英") && !row.contains("13812345678"),
        "{row}"
    );
    assert!(row.contains("王**"));
    // And it has left the problem wall.
    assert!(
        !resident
            .get("/wall?community=DXY")
            .await
            .body
            .contains(&code)
    );
}

#[tokio::test]
async fn counter_intake_keeps_what_was_typed_when_a_field_is_wrong() {
    let app = TestApp::spawn().await;
    with_passwords(&app, &["dxy_staff"]).await;
    let mut clerk = Visitor::new(&app);
    clerk.login("dxy_staff", PASSWORD).await;
    assert_eq!(clerk.get("/staff/intake").await.status, StatusCode::OK);
    let before = app.count().await;
    let r = clerk
        .post(
            "/staff/intake",
            &[
                ("content", "楼下广场舞音响太吵"),
                ("channel", "walk_in"),
                ("type", "complaint"),
                ("jurisdiction", "DXY"),
                ("name", "李大爷"),
                ("phone", "12345"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("联系电话“12345”格式不正确"), "{}", r.body);
    assert!(r.body.contains("楼下广场舞音响太吵"), "the content is kept");
    assert_eq!(app.count().await, before, "nothing registered");
    let r = clerk
        .post(
            "/staff/intake",
            &[
                ("content", "楼下广场舞音响太吵"),
                ("channel", "walk_in"),
                ("type", "complaint"),
                ("jurisdiction", "DXY"),
                ("name", "李大爷"),
                ("phone", "13900001111"),
            ],
        )
        .await;
    // The answer is the receipt with the rating key; it leads on to the request.
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let page = clerk.get(&receipt_next(&r.body)).await;
    assert!(page.body.contains("id=\"created\""));
    assert_eq!(app.count().await, before + 1);
    // A second, similar complaint shows the first as a possible duplicate, with a merge.
    let r = clerk
        .post(
            "/staff/intake",
            &[
                ("content", "楼下广场舞音响太吵了"),
                ("channel", "station_hotline"),
                ("type", "complaint"),
                ("jurisdiction", "DXY"),
            ],
        )
        .await;
    let page = clerk.get(&receipt_next(&r.body)).await;
    assert!(page.body.contains("id=\"duplicates\""), "{}", page.body);
    assert!(page.body.contains("merge-button"));
    let hints = clerk
        .get("/staff/hints?content=%E6%A5%BC%E4%B8%8B%E5%B9%BF%E5%9C%BA%E8%88%9E%E9%9F%B3%E5%93%8D%E5%A4%AA%E5%90%B5&jurisdiction=DXY")
        .await;
    assert_eq!(hints.status, StatusCode::OK);
    assert!(hints.body.contains("疑似重复件"));
    // "Mine": the two this clerk registered, not the walk-in another account entered.
    let (s, _) = app
        .post(
            "admin",
            "/api/v1/requests",
            serde_json::json!({"channel": "walk_in", "type": "help", "content": "别人登记的一件", "jurisdiction": "DXY-G03"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    with_passwords(&app, &["dxy_g3"]).await;
    let mine = clerk.get("/staff?view=mine").await;
    assert_eq!(by_id(&mine.body, "queue-total"), "2", "{}", mine.body);
    let mut grid = Visitor::new(&app);
    grid.login("dxy_g3", PASSWORD).await;
    assert_eq!(
        by_id(&grid.get("/staff?view=mine").await.body, "queue-total"),
        "0"
    );
}

/// Personal data that must never appear in public: the 11-digit mobile numbers and 18-digit
/// ID numbers in `text` (digit runs of exactly that length, so tracking codes do not count).
fn personal_numbers(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            let id_tail = i < chars.len() && matches!(chars[i], 'X' | 'x');
            let mobile =
                run.len() == 11 && run.starts_with('1') && matches!(run.as_bytes()[1], b'3'..=b'9');
            let id = run.len() == 18 || (run.len() == 17 && id_tail);
            if mobile || id {
                found.push(run);
            }
        } else {
            i += 1;
        }
    }
    found
}

#[tokio::test]
async fn no_public_page_or_export_shows_a_requesters_phone_id_number_or_full_name() {
    let app = TestApp::spawn().await;
    assert!(minhu_fixtures::demo::load(&app.app).await.unwrap());
    // Residents also write their details into the text itself.
    let (s, v) = app
        .post(
            "dxy_staff",
            "/api/v1/requests",
            serde_json::json!({
                "channel": "walk_in", "type": "complaint", "jurisdiction": "DXY-G03",
                "content": "我叫欧阳娜娜，身份证号11010519491231002X，手机13612345678，家住德馨苑3号楼1单元502室，楼上漏水。",
                "requester": {"name": "欧阳娜娜", "phone": "13612345678"},
                "address": "德馨苑3号楼1单元502室"
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let extra = v["id"].as_i64().unwrap();
    app.step("dxy_staff", extra, "accept", serde_json::json!({}))
        .await;

    // Every requester's name and number, as stored.
    let mut names = std::collections::BTreeSet::new();
    let mut phones = std::collections::BTreeSet::new();
    for (name, phone) in app.app.store.requester_identities().await.unwrap() {
        names.extend(name.filter(|n| n.chars().count() >= 2));
        phones.extend(phone);
    }
    let mut codes = Vec::new();
    let mut page = 1;
    loop {
        let (_, list) = app
            .get(
                "admin",
                &format!("/api/v1/requests?page_size=200&page={page}"),
            )
            .await;
        let items = list["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        codes.extend(
            items
                .iter()
                .map(|it| it["code"].as_str().unwrap().to_string()),
        );
        page += 1;
    }
    assert!(
        codes.len() > 1000,
        "the demo's requests are scanned: {}",
        codes.len()
    );
    assert!(names.contains("贺桂莲") && names.contains("欧阳娜娜"));

    // Every public page: home, both walls page by page and per community, every tracking
    // page, Open311 in both formats; and the ledger exports as anyone gets them by default.
    let mut visitor = Visitor::new(&app);
    let mut scanned = 0;
    let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(2);
    let mut check = |what: &str, body: &str| {
        let numbers = personal_numbers(body);
        assert!(numbers.is_empty(), "{what} shows {numbers:?}");
        // Every stretch of 2 to `longest` characters, looked up among the names.
        let chars: Vec<char> = body.chars().collect();
        for i in 0..chars.len() {
            for len in 2..=longest.min(chars.len() - i) {
                let piece: String = chars[i..i + len].iter().collect();
                assert!(!names.contains(&piece), "{what} shows the name {piece}");
            }
        }
        // Every run of digits and dashes, looked up among the numbers.
        for run in body.split(|c: char| !(c.is_ascii_digit() || c == '-')) {
            assert!(
                run.len() < 7 || !phones.contains(run),
                "{what} shows the number {run}"
            );
        }
        scanned += 1;
    };
    let started = std::time::Instant::now();
    for path in ["/", "/track", "/submit"] {
        check(path, &visitor.get(path).await.body);
    }
    for tab in ["", "&tab=answered"] {
        for community in ["", "&community=DXY", "&community=YBSQ"] {
            for n in 1.. {
                let path = format!("/wall?page={n}{tab}{community}");
                let r = visitor.get(&path).await;
                assert_eq!(r.status, StatusCode::OK, "{path}");
                check(&path, &r.body);
                if !r.body.contains("rel=\"next\"") {
                    break;
                }
            }
        }
    }
    eprintln!("walls scanned after {:?}", started.elapsed());
    for code in &codes {
        let path = format!("/track/{code}");
        let r = visitor.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        check(&path, &r.body);
    }
    eprintln!("tracking pages scanned after {:?}", started.elapsed());
    for (from, to) in [
        ("2026-01-01", "2026-03-31"),
        ("2026-04-01", "2026-06-29"),
        ("2026-06-30", "2026-09-27"),
        ("2026-09-28", "2026-12-25"),
    ] {
        for fmt in ["json", "xml"] {
            for n in 1.. {
                let path = format!(
                    "/open311/v2/requests.{fmt}?start_date={from}T00:00:00%2B08:00&end_date={to}T00:00:00%2B08:00&page={n}&page_size=1000&extensions=true"
                );
                let r = visitor.get(&path).await;
                assert_eq!(r.status, StatusCode::OK, "{path}");
                check(&path, &r.body);
                if r.body.matches("service_request_id").count()
                    < 1000 * (if fmt == "xml" { 2 } else { 1 })
                {
                    break;
                }
            }
        }
    }
    eprintln!("open311 scanned after {:?}", started.elapsed());
    for day in 1..=30 {
        for fmt in ["json", "csv"] {
            let path =
                format!("/api/v1/ledger/daily?jurisdiction=SFQ&date=2026-06-{day:02}&format={fmt}");
            let r = app
                .client
                .get(format!("{}{path}", app.base))
                .bearer_auth(app.token("admin"))
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{path}");
            check(&path, &r.text().await.unwrap());
        }
    }
    let today = minhu_domain::time::local_date(chrono::Utc::now());
    let path = format!("/api/v1/ledger/daily?jurisdiction=DXY&date={today}&format=csv");
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(app.token("admin"))
        .send()
        .await
        .unwrap();
    let body = r.text().await.unwrap();
    assert!(
        body.contains("楼上漏水"),
        "today's register has the new request: {body}"
    );
    check(&path, &body);
    assert!(scanned > 1200, "{scanned}");
}

#[tokio::test]
async fn ledgers_and_the_dashboard_as_pages_with_files_and_hot_spots() {
    let app = TestApp::spawn().await;
    with_passwords(&app, &["dxy_staff", "h_dxy_wy", "yb_street"]).await;
    for (content, phone) in [
        ("3号楼楼道里电动车充电，飞线很危险", "13811112222"),
        ("电动车在楼道充电，电线从窗户拉下来", "13811113333"),
        ("楼道有人给电动车充电，晚上很危险", "13811114444"),
        ("电动车楼道充电，希望装充电桩", "13811115555"),
        ("小区东门路灯不亮", "13811116666"),
    ] {
        let (s, v) = app
            .post(
                "dxy_staff",
                "/api/v1/requests",
                serde_json::json!({"channel": "walk_in", "type": "complaint", "content": content,
                    "jurisdiction": "DXY-G02", "requester": {"name": "测试居民", "phone": phone}}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let mut clerk = Visitor::new(&app);
    clerk.login("dxy_staff", PASSWORD).await;
    // The dashboard names the month's hot spot: e-bike charging in 德馨苑, 4 requests.
    let dash = clerk.get("/staff/dashboard").await;
    assert_eq!(dash.status, StatusCode::OK, "{}", dash.body);
    let hot = &dash.body[dash.body.find("id=\"hot-spots\"").unwrap()..];
    let first = &hot[hot.find("<tbody>").unwrap()..];
    let first = &first[..first.find("</tr>").unwrap()];
    assert!(first.contains("德馨苑"), "{first}");
    assert!(
        first.contains("电动车") || first.contains("充电"),
        "{first}"
    );
    assert!(first.contains(">4<"), "{first}");
    assert_eq!(by_id(&dash.body, "dash-total"), "5");
    // Within 60 days of the loaded holidays' end the dashboard says to load next year's
    // (today, 1 December 2026, the built-in schedule ends with 2026); once loaded, it stops.
    let today = minhu_domain::time::local_date(chrono::Utc::now());
    let coverage = app.app.calendar().coverage(today);
    assert_eq!(
        dash.body.contains("id=\"calendar-warning\""),
        coverage.needs_next_year(),
        "{coverage:?}"
    );
    let next_year = coverage.last_year.unwrap_or(2026) + 1;
    let new_year = chrono::NaiveDate::from_ymd_opt(next_year, 1, 1).unwrap();
    app.app
        .store
        .set_calendar_day(&minhu_domain::calendar::CalendarDay {
            date: new_year,
            kind: minhu_domain::calendar::DayKind::Holiday,
            note: "元旦".into(),
        })
        .await
        .unwrap();
    app.app.reload().await.unwrap();
    let dash = clerk.get("/staff/dashboard").await;
    assert!(
        !dash.body.contains("id=\"calendar-warning\""),
        "{}",
        dash.body
    );
    assert_eq!(app.app.calendar().last_loaded_year(), Some(next_year));

    // Today's register as a page, masked, and as an Excel file with the same rows.
    let today = minhu_domain::time::local_date(chrono::Utc::now());
    let page = clerk
        .get(&format!("/staff/ledger?kind=daily&date={today}"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("日登记台账"));
    assert!(page.body.contains("138****2222") && !page.body.contains("13811112222"));
    assert!(!page.body.contains("测试居民"));
    let file = clerk
        .get(&format!(
            "/staff/ledger/file?kind=daily&jurisdiction=DXY&date={today}&format=xlsx"
        ))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(
        file.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".xlsx")
    );
    for kind in ["weekly", "monthly", "evaluation"] {
        let r = clerk.get(&format!("/staff/ledger?kind={kind}")).await;
        assert_eq!(r.status, StatusCode::OK, "{kind}: {}", r.body);
        assert!(r.body.contains("aria-current=\"page\""), "{kind}");
    }
    // A clerk cannot read another community's ledger; a unit has no jurisdiction ledger.
    let r = clerk
        .get("/staff/ledger?kind=daily&jurisdiction=YBSQ")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut unit = Visitor::new(&app);
    unit.login("h_dxy_wy", PASSWORD).await;
    assert_eq!(
        unit.get("/staff/ledger").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        unit.get("/staff/dashboard").await.status,
        StatusCode::FORBIDDEN
    );
    // The street sees its communities in the monthly report.
    let mut street = Visitor::new(&app);
    street.login("yb_street", PASSWORD).await;
    let r = street.get("/staff/ledger?kind=monthly").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
