//! `minhu grid` as an operator uses it: 德馨苑's generated ledger written and imported into
//! the demo (which holds that ledger already, so a dry run and a real run change nothing),
//! a CSV sheet with a new household and a bad row reported with a non-zero exit, and the
//! ledger exported.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::minhu;

#[test]
fn grid_ledger_import_and_export_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("grid.db").display());
    let (ok, _, err) = minhu(&db, &["demo"], None);
    assert!(ok, "{err}");
    let file = dir.path().join("dxy.xlsx").display().to_string();
    let (ok, _, err) = minhu(&db, &["grid", "sample", "-o", &file], None);
    assert!(ok, "{err}");

    let import = ["grid", "import", "--community", "DXY", file.as_str()];
    let (ok, out, err) = minhu(&db, &[&import[..], &["--dry-run"]].concat(), None);
    assert!(ok, "{err}");
    assert!(
        out.contains("试运行") && out.contains("户：新增 0，更新 0，未变 1528"),
        "the demo holds 德馨苑's ledger: {out}"
    );
    let (ok, out, err) = minhu(&db, &import, None);
    assert!(ok, "{err}");
    assert!(
        out.contains("户：新增 0，更新 0，未变 1528"),
        "the second time changes nothing: {out}"
    );

    // One sheet as CSV: a refused row is reported by sheet, row and field; exit code 3.
    let csv = dir.path().join("hu.csv");
    std::fs::write(
        &csv,
        "楼栋号,单元,室号,户主,联系电话\n1,1,101,张三,12345\n1,1,999,李四,13800138000\n",
    )
    .unwrap();
    let csv = csv.display().to_string();
    let (ok, out, _) = minhu(
        &db,
        &[
            "grid",
            "import",
            "--community",
            "DXY",
            "--sheet",
            "户",
            &csv,
        ],
        None,
    );
    assert!(!ok, "refused rows make a non-zero exit: {out}");
    assert!(out.contains("户 第2行 联系电话"), "{out}");
    assert!(out.contains("户：新增 1，更新 0，未变 0，拒收 1"), "{out}");

    let xlsx = dir.path().join("out.xlsx").display().to_string();
    let (ok, out, err) = minhu(
        &db,
        &["grid", "export", "--community", "DXY", "-o", &xlsx],
        None,
    );
    assert!(ok, "{err}");
    assert!(out.contains("14 栋，1529 户"), "{out}");
    let (ok, _, err) = minhu(
        &db,
        &[
            "grid",
            "export",
            "--community",
            "DXY",
            "-o",
            &xlsx,
            "--unmasked",
        ],
        None,
    );
    assert!(!ok && err.contains("--purpose"), "{err}");
}
