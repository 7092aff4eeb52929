//! The command line as an operator uses it: real binary, real database file.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::minhu;

#[test]
fn users_tokens_calendar_and_demo_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("ops.db").display());

    let (ok, out, err) = minhu(&db, &["demo"], None);
    assert!(ok, "{err}");
    assert!(out.contains("demo district loaded"));
    let (ok, out, _) = minhu(&db, &["demo"], None);
    assert!(
        ok && out.contains("not loaded"),
        "loading twice changes nothing: {out}"
    );

    let (ok, out, err) = minhu(
        &db,
        &[
            "user",
            "add",
            "--username",
            "wang",
            "--role",
            "community_staff",
            "--scope",
            "DXY",
            "--password-stdin",
        ],
        Some("correct horse\n"),
    );
    assert!(ok, "{err}");
    assert!(out.contains("added user wang"));
    let (ok, _, err) = minhu(
        &db,
        &[
            "user",
            "add",
            "--username",
            "wang",
            "--role",
            "community_staff",
            "--scope",
            "DXY",
        ],
        None,
    );
    assert!(
        !ok && err.contains("already exists"),
        "duplicate username refused: {err}"
    );
    let (ok, _, err) = minhu(
        &db,
        &[
            "user",
            "add",
            "--username",
            "li",
            "--role",
            "mayor",
            "--scope",
            "DXY",
        ],
        None,
    );
    assert!(!ok && err.contains("unknown role 'mayor'"), "{err}");
    let (ok, _, err) = minhu(
        &db,
        &[
            "user",
            "add",
            "--username",
            "li",
            "--role",
            "street_staff",
            "--scope",
            "DXY",
        ],
        None,
    );
    assert!(!ok && err.contains("needs a street jurisdiction"), "{err}");
    let (ok, _, err) = minhu(
        &db,
        &[
            "user",
            "add",
            "--username",
            "zhao",
            "--role",
            "community_staff",
            "--scope",
            "DXY",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(!ok && err.contains("at least 8"), "{err}");

    let (ok, token, err) = minhu(&db, &["token", "issue", "--username", "wang"], None);
    assert!(ok, "{err}");
    let token = token.trim();
    assert!(token.starts_with("mh_") && token.len() == 67, "{token}");
    let raw = std::fs::read(dir.path().join("ops.db")).unwrap();
    assert!(
        !raw.windows(token.len()).any(|w| w == token.as_bytes()),
        "tokens are stored hashed only"
    );
    let (ok, _, err) = minhu(&db, &["token", "issue", "--username", "nobody"], None);
    assert!(!ok && err.contains("no such user"), "{err}");

    let (ok, out, _) = minhu(
        &db,
        &[
            "calendar",
            "set",
            "2026-12-31",
            "holiday",
            "--note",
            "区级调休",
        ],
        None,
    );
    assert!(ok && out.contains("holiday"));
    let (ok, out, _) = minhu(&db, &["calendar", "list", "--year", "2026"], None);
    assert!(
        ok && out.contains("2026-10-10 workday 国庆节调休上班")
            && out.contains("2026-12-31 holiday 区级调休"),
        "{out}"
    );
    let (ok, _, err) = minhu(&db, &["calendar", "set", "2026-12-30", "party"], None);
    assert!(!ok && err.contains("holiday or workday"), "{err}");

    // The schedule ends with 2026: in December next year's is due, in September it is not.
    let (ok, out, _) = minhu(&db, &["calendar", "check", "--today", "2026-12-01"], None);
    assert!(!ok && out.contains("只载入到2026年（还剩30天）"), "{out}");
    let (ok, out, _) = minhu(&db, &["calendar", "check", "--today", "2026-09-01"], None);
    assert!(
        ok && out.contains("loaded up to 2026 (121 days left)"),
        "{out}"
    );
    let (ok, _, err) = minhu(
        &db,
        &["calendar", "set", "2027-02-06", "holiday", "--note", "春节"],
        None,
    );
    assert!(ok, "{err}");
    let (ok, out, _) = minhu(&db, &["calendar", "check", "--today", "2026-12-01"], None);
    assert!(ok && out.contains("loaded up to 2027"), "{out}");

    let (ok, out, err) = minhu(
        &db,
        &["sla", "sweep", "--at", "2026-06-20T12:00:00+08:00"],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.contains("红灯 (red)"), "{out}");
    let (ok, _, err) = minhu(&db, &["sla", "sweep", "--at", "yesterday"], None);
    assert!(!ok && err.contains("RFC 3339"), "{err}");
}

#[test]
fn classify_train_then_predict_one_label_per_line_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("train.csv");
    let mut rows = String::from("text,label\n");
    let lamps = [
        "小区路灯不亮晚上很黑",
        "楼前路灯坏了没人修",
        "路灯一直闪烁请维修",
        "门口的路灯已经坏了一个月",
        "路灯不亮老人摔倒了",
        "请尽快修好小区路灯",
    ];
    let noise = [
        "夜间施工噪音太大",
        "广场舞音响噪音扰民",
        "工地晚上施工噪音吵得睡不着",
        "楼下饭店排风机噪音大",
        "装修噪音从早到晚",
        "夜里货车卸货噪音扰民",
    ];
    for t in lamps {
        rows.push_str(&format!("{t},路灯\n"));
    }
    for t in noise {
        rows.push_str(&format!("\"{t}\",噪音\n"));
    }
    std::fs::write(&csv, rows).unwrap();
    let model = dir.path().join("m.model");
    let db = format!("sqlite://{}", dir.path().join("unused.db").display());
    let (ok, _, err) = minhu(
        &db,
        &[
            "classify",
            "train",
            "--input",
            csv.to_str().unwrap(),
            "--text-column",
            "text",
            "--label-column",
            "label",
            "--model",
            model.to_str().unwrap(),
        ],
        None,
    );
    assert!(ok, "{err}");
    assert!(err.contains("trained on 12 row(s), 2 labels"), "{err}");
    let (ok, out, err) = minhu(
        &db,
        &["classify", "predict", "--model", model.to_str().unwrap()],
        Some("晚上工地施工噪音很大\n\n小区路灯坏了\n"),
    );
    assert!(ok, "{err}");
    let labels: Vec<&str> = out.lines().collect();
    assert_eq!(
        labels.len(),
        3,
        "one label per input line, the empty one too: {out:?}"
    );
    assert_eq!(labels[0], "噪音");
    assert_eq!(labels[2], "路灯");
    let (ok, _, err) = minhu(
        &db,
        &[
            "classify",
            "train",
            "--input",
            csv.to_str().unwrap(),
            "--text-column",
            "content",
            "--label-column",
            "label",
            "--model",
            model.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        !ok && err.contains("content"),
        "a missing column is named: {err}"
    );
}
