//! Behaviour tests on small hand-written Chinese complaints (no external data).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test or example stops at its first failure

use std::io::Cursor;
use std::path::PathBuf;

use minhu_classify::*;

const PLACES: &[&str] = &[
    "幸福小区",
    "东湖路",
    "南门街道",
    "滨江花园",
    "建设北路",
    "桂花苑",
    "火车站附近",
    "人民公园旁",
];

/// (label, templates); `{p}` is replaced by a place.
const CLASSES: &[(&str, &[&str])] = &[
    (
        "路灯",
        &[
            "{p}的路灯坏了好几天，晚上一片漆黑，请尽快维修路灯",
            "{p}路灯不亮，夜里行人看不清路，希望修好路灯",
            "反映{p}路灯损坏，灯杆歪斜，晚上没有照明",
            "{p}多盏路灯长期不亮，夜间出行很不安全",
        ],
    ),
    (
        "垃圾",
        &[
            "{p}垃圾堆积如山没人清运，臭气熏天，请环卫处理垃圾",
            "{p}的垃圾桶满了好几天，垃圾散落一地，苍蝇很多",
            "投诉{p}垃圾清运不及时，生活垃圾发臭",
            "{p}有人乱倒建筑垃圾和生活垃圾，环卫不来清理",
        ],
    ),
    (
        "噪音",
        &[
            "{p}工地夜间施工噪音太大，凌晨还在打桩，吵得睡不着",
            "{p}广场舞音响声音太吵，噪音扰民严重",
            "投诉{p}酒吧噪音扰民，半夜音乐震耳欲聋",
            "{p}的餐馆排风机噪音很大，晚上影响休息",
        ],
    ),
    (
        "物业",
        &[
            "{p}物业公司乱收物业费，服务很差，业主很不满",
            "{p}物业不作为，电梯坏了不修，还要涨物业费",
            "投诉{p}物业管理混乱，保安不管事，物业费却年年涨",
            "{p}物业擅自占用业主公共区域出租，物业公司拒不整改",
        ],
    ),
    (
        "停车",
        &[
            "{p}乱停车现象严重，车辆占用人行道和消防通道",
            "{p}停车位太少，停车收费太贵，车主无处停车",
            "投诉{p}违章停车堵塞道路，交警不来处理停车问题",
            "{p}停车场收费不规范，临时停车乱收费",
        ],
    ),
];

fn corpus() -> (Vec<String>, Vec<String>) {
    let mut texts = Vec::new();
    let mut labels = Vec::new();
    for (label, templates) in CLASSES {
        for t in templates.iter() {
            for p in &PLACES[..6] {
                texts.push(t.replace("{p}", p));
                labels.push(label.to_string());
            }
        }
    }
    (texts, labels)
}

fn small_opts() -> TrainOptions {
    let mut o = TrainOptions::default();
    o.features.hash_bits = 16; // keep test models small
    o
}

fn model() -> Model {
    let (texts, labels) = corpus();
    train(&texts, &labels, &small_opts())
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("minhu-classify-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn predicts_held_out_obvious_cases() {
    let m = model();
    let mut labels = m.labels().to_vec();
    labels.sort();
    assert_eq!(labels, ["停车", "噪音", "垃圾", "物业", "路灯"]);
    let cases = [
        ("解放大道的路灯一到晚上就不亮，黑漆漆的", "路灯"),
        ("河西新村门口垃圾没人清运，到处是垃圾", "垃圾"),
        ("隔壁工地半夜施工噪音吵得孩子睡不着觉", "噪音"),
        ("我们小区物业费太贵了，物业公司什么都不管", "物业"),
        ("学校门口到处乱停车，停车位根本不够", "停车"),
    ];
    for (text, want) in cases {
        assert_eq!(m.predict_label(text), want, "text: {text}");
        let p = m.predict(text);
        assert_eq!(p.label(), want);
        assert_eq!(p.top.len(), 5);
        assert!(
            p.top.windows(2).all(|w| w[0].score >= w[1].score),
            "sorted best first"
        );
        let sum: f32 = p.top.iter().map(|l| l.confidence).sum();
        assert!((sum - 1.0).abs() < 1e-4, "confidences sum to 1, got {sum}");
        assert!(p.confidence() > 0.2);
    }
    let meta = m.header();
    assert_eq!(meta.training_rows, corpus().0.len());
    assert!(chrono::DateTime::parse_from_rfc3339(&meta.trained_at).is_ok());
    assert_eq!(meta.metrics.as_ref().unwrap().kind, "training set");
}

#[test]
fn works_on_segmented_text_joined_without_spaces() {
    // the same message as jieba tokens with stop words removed, joined
    let m = model();
    assert_eq!(m.predict_label("东风路路灯坏晚上漆黑维修"), "路灯");
    assert_eq!(m.predict_label("小区物业乱收物业费业主不满"), "物业");
}

#[test]
fn save_load_round_trip_is_identical() {
    let m = model();
    let path = tmp("roundtrip.mhc");
    m.save(&path).unwrap();
    let back = Model::load(&path).unwrap();
    assert_eq!(back, m);
    for (t, _) in corpus().0.iter().zip(0..10) {
        assert_eq!(back.predict(t), m.predict(t));
    }
    assert_eq!(back.header().format_version, MODEL_FORMAT_VERSION);
    assert_eq!(back.header().format, "minhu-classify");
}

#[test]
fn refuses_unknown_version_and_garbage() {
    let m = model();
    let path = tmp("version.mhc");
    m.save(&path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[8..12].copy_from_slice(&99u32.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let err = format!("{:#}", Model::load(&path).unwrap_err());
    assert!(err.contains("unsupported model format version 99"), "{err}");
    assert!(err.contains("reads version 1"), "{err}");

    std::fs::write(&path, b"this is not a model file at all").unwrap();
    let err = format!("{:#}", Model::load(&path).unwrap_err());
    assert!(err.contains("not a minhu-classify model"), "{err}");

    // truncated weights
    m.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
    assert!(Model::load(&path).is_err());
}

#[test]
fn predict_stream_keeps_order_and_empty_lines() {
    let m = model();
    let inputs = [
        "路灯坏了晚上很黑",
        "",
        "垃圾没人清运很臭",
        "半夜噪音扰民",
        "",
        "物业乱收费",
        "乱停车堵路",
    ];
    // repeat so that the input is split over several threads
    let mut lines: Vec<&str> = Vec::new();
    for _ in 0..50 {
        lines.extend(inputs);
    }
    let mut input = lines.join("\r\n"); // CRLF is accepted too
    input.push('\n');
    let mut out = Vec::new();
    let n = predict_stream(&m, Cursor::new(input.into_bytes()), &mut out).unwrap();
    assert_eq!(n, lines.len());
    let out = String::from_utf8(out).unwrap();
    let got: Vec<&str> = out.lines().collect();
    assert_eq!(got.len(), lines.len());
    for (g, l) in got.iter().zip(&lines) {
        assert_eq!(*g, m.predict_label(l));
        assert!(!g.is_empty());
    }
    assert_eq!(
        &got[..7],
        &[got[0], got[1], "垃圾", "噪音", got[4], "物业", "停车"]
    );
    assert_eq!(got[0], "路灯");

    // last line without newline, and empty input
    let mut out = Vec::new();
    assert_eq!(
        predict_stream(&m, Cursor::new("乱停车".as_bytes()), &mut out).unwrap(),
        1
    );
    assert_eq!(String::from_utf8(out).unwrap(), "停车\n");
    let mut out = Vec::new();
    assert_eq!(
        predict_stream(&m, Cursor::new(&b""[..]), &mut out).unwrap(),
        0
    );
    assert!(out.is_empty());
}

#[test]
fn train_from_csv_handles_bom_quotes_multiline_and_empty_rows() {
    let (texts, labels) = corpus();
    let mut csv1 = String::from("\u{feff}id,content,cat\n");
    let mut csv2 = String::from("content,cat\n");
    for (i, (t, l)) in texts.iter().zip(&labels).enumerate() {
        let row = if i % 7 == 0 {
            // quoted, with a comma, a doubled quote and a newline inside
            format!("\"{t}，\"\"急\"\"\n请处理, 谢谢\",{l}\n")
        } else {
            format!("{t},{l}\n")
        };
        if i % 2 == 0 {
            csv1.push_str(&format!("{i},{row}"));
        } else {
            csv2.push_str(&row);
        }
    }
    csv1.push_str("900,,路灯\n901,没有标签的留言,\n");
    csv2.push_str("\"\",停车\n");
    let (p1, p2) = (tmp("a.csv"), tmp("b.csv"));
    std::fs::write(&p1, csv1).unwrap();
    std::fs::write(&p2, csv2).unwrap();
    let inputs = vec![p1.clone(), p2.clone()];
    let (t, l, skipped) = read_csv_rows(&inputs, "content", "cat").unwrap();
    assert_eq!(skipped, 3);
    assert_eq!(t.len(), texts.len());
    assert!(
        t[0].contains('\n') && t[0].contains("\"急\""),
        "multi-line quoted field kept: {}",
        t[0]
    );
    assert_eq!(l.len(), labels.len());

    let m = train_from_csv(&inputs, "content", "cat").unwrap();
    assert_eq!(m.header().skipped_rows, 3);
    assert_eq!(m.header().training_rows, texts.len());
    assert_eq!(m.predict_label("小区门口路灯不亮"), "路灯");

    let m = train_from_csv_with(&inputs, "content", "cat", &small_opts(), 3).unwrap();
    assert_eq!(m.metrics().unwrap().kind, "3-fold cross-validation");

    let err = format!("{:#}", train_from_csv(&inputs, "text", "cat").unwrap_err());
    assert!(err.contains("no column \"text\""), "{err}");
}

#[test]
fn cross_validation_reports_metrics() {
    let (texts, labels) = corpus();
    let m = cross_validate(&texts, &labels, 3, &small_opts());
    assert_eq!(m.n, texts.len());
    assert_eq!(m.per_class.len(), 5);
    assert!(m.accuracy > 0.8, "{m}");
    assert!(m.macro_f1 > 0.8, "{m}");
    let shown = m.to_string();
    assert!(
        shown.contains("macro-F1") && shown.contains("路灯"),
        "{shown}"
    );
}

#[test]
fn identical_texts_share_a_fold() {
    let texts: Vec<String> = [
        "甲乙丙",
        "甲 乙丙",
        "丁戊",
        "己庚",
        "甲乙丙！",
        "辛壬",
        "癸子",
        "丑寅",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let labels: Vec<String> = ["a", "a", "b", "a", "a", "b", "a", "b"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let groups = identical_text_groups(&texts);
    assert_eq!(groups[0], groups[1]);
    assert_eq!(groups[0], groups[4]);
    assert_ne!(groups[0], groups[2]);
    let folds = assign_folds(&labels, &groups, 3, 1);
    assert_eq!(folds[0], folds[1]);
    assert_eq!(folds[0], folds[4]);
}

#[test]
fn metrics_match_hand_computation() {
    let labels = vec!["x".to_string(), "y".to_string()];
    let gold = ["x", "x", "x", "y"];
    let pred = ["x", "x", "y", "y"];
    let m = Metrics::from_predictions("t", &labels, &gold, &pred);
    assert!((m.accuracy - 0.75).abs() < 1e-9);
    // x: P=1, R=2/3, F1=0.8; y: P=0.5, R=1, F1=2/3
    assert!((m.per_class[0].f1 - 0.8).abs() < 1e-9);
    assert!((m.per_class[1].f1 - 2.0 / 3.0).abs() < 1e-9);
    assert!((m.macro_f1 - (0.8 + 2.0 / 3.0) / 2.0).abs() < 1e-9);
}

#[test]
fn near_duplicates_find_paraphrase_not_unrelated() {
    let texts: Vec<String> = [
        "幸福小区门口的路灯坏了快一个月了，晚上很黑，老人孩子出行不安全，请尽快维修。",
        "建设北路菜市场旁边的垃圾站每天发出恶臭，夏天苍蝇蚊子特别多。",
        "幸福小区门口路灯已经坏了将近一个月，晚上非常黑，老人和孩子出门很不安全，请尽快修理！",
        "请问今年中考的体育考试什么时候开始报名？",
        "",
        "东湖路的公交车站台被拆除后一直没有恢复，市民等车只能站在路边。",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // a reworded message shares about a third of its character bigrams
    let pairs = near_duplicates(&texts, 0.3);
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!((pairs[0].0, pairs[0].1), (0, 2));
    assert!(pairs[0].2 >= 0.3 && pairs[0].2 < 0.6, "{pairs:?}");
    assert!(near_duplicates(&texts, 0.6).is_empty());
    assert_eq!(clusters(texts.len(), &pairs), vec![vec![0, 2]]);

    // exact duplicates are found at a high threshold; a different text is not
    let dup = vec![texts[1].clone(), texts[3].clone(), texts[1].clone()];
    assert_eq!(near_duplicates(&dup, 0.95), vec![(0, 2, 1.0)]);
}

#[test]
fn near_duplicates_scale_without_all_pairs() {
    // 2,000 distinct synthetic texts plus 3 planted copies; must find exactly the copies
    let mut texts: Vec<String> = (0..2000)
        .map(|i| {
            let p = PLACES[i % PLACES.len()];
            let (_, ts) = CLASSES[i % CLASSES.len()];
            format!(
                "第{i}号{}编号{}",
                ts[(i / 5) % ts.len()].replace("{p}", p),
                i * 7919 % 10007
            )
        })
        .collect();
    texts.push(texts[10].clone());
    texts.push(texts[500].clone());
    texts.push(texts[1999].clone());
    let pairs = near_duplicates(&texts, 0.97);
    let got: Vec<(usize, usize)> = pairs.iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(got, vec![(10, 2000), (500, 2001), (1999, 2002)]);
}

#[test]
fn simhash_is_closer_for_similar_texts() {
    let a = cut("幸福小区门口的路灯坏了快一个月了晚上很黑请尽快维修");
    let b = cut("幸福小区门口路灯坏了一个月了晚上很黑请尽快修理");
    let c = cut("请问今年中考的体育考试什么时候开始报名");
    let (ha, hb, hc) = (simhash(&a), simhash(&b), simhash(&c));
    assert!(
        hamming(ha, hb) < hamming(ha, hc),
        "{} vs {}",
        hamming(ha, hb),
        hamming(ha, hc)
    );
    assert_eq!(simhash(&a), ha, "deterministic");
}

#[test]
fn keywords_drop_stop_words() {
    let kw = keywords(
        "尊敬的领导您好，我们小区的垃圾已经很多天没有清运了，垃圾堆里臭气熏天，希望有关部门尽快处理垃圾问题。",
    );
    assert!(kw.iter().any(|k| k == "垃圾"), "{kw:?}");
    for k in &kw {
        assert!(!is_stop_word(k), "stop word {k} in {kw:?}");
        assert!(k.chars().count() >= 2);
    }
    assert!(
        !kw.iter().any(|k| k == "领导" || k == "希望" || k == "问题"),
        "{kw:?}"
    );
    let hot = hot_keywords(&["门口垃圾很臭", "小区垃圾没人管", "路灯不亮"], 3, 5);
    assert_eq!(hot[0], ("垃圾".to_string(), 2));
}

#[test]
fn user_words_change_segmentation() {
    let before = cut("我住在城管执法局宿舍");
    assert!(!before.iter().any(|w| w == "城管执法局"), "{before:?}");
    add_user_words(&["城管执法局"]);
    let after = cut("我住在城管执法局宿舍");
    assert!(after.iter().any(|w| w == "城管执法局"), "{after:?}");
}
