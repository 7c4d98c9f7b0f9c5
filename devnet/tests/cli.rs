//! The binary as a user runs it: `--help` answers, and `bench apply` prints its figures and the
//! summary line the issue names.

use std::process::Command;

fn manaflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_manaflow"))
}

#[test]
fn help_names_the_benchmarks() {
    let out = manaflow().args(["bench", "apply", "--help"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in ["--outputs", "--moves", "--runs"] {
        assert!(text.contains(flag), "help lacks {flag}:\n{text}");
    }
}

#[test]
fn bench_apply_reports_rates_and_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let out = manaflow()
        .args(["bench", "apply", "--outputs", "3000", "--moves", "2000", "--runs", "3", "--baseline-moves", "20"])
        .arg("--dir")
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "bench failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.lines().filter(|l| l.starts_with("run ")).count(), 3, "{stdout}");
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("bench apply: rate="), "{last}");
    let figure = |name: &str| -> f64 {
        let field = last.split_whitespace().find_map(|f| f.strip_prefix(&format!("{name}="))).unwrap();
        field.parse().unwrap()
    };
    let (rate, full, baseline, ratio) = (figure("rate"), figure("full_rate"), figure("baseline"), figure("ratio"));
    assert!(rate > 0.0 && full > 0.0 && baseline > 0.0);
    assert!(full <= rate, "end to end includes the critical path");
    assert!((ratio - rate / baseline).abs() / ratio < 0.01, "ratio is rate/baseline");
    assert!(stdout.contains("commitment recomputed from scratch"), "{stdout}");
}

#[test]
fn bad_arguments_say_what_was_wrong() {
    let out = manaflow().args(["bench", "apply", "--runs", "0"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--runs"), "{err}");
}

#[test]
fn bench_validate_reports_validation_and_its_baselines() {
    let out = manaflow().args(["bench", "validate", "--txs", "60", "--senders", "6", "--runs", "1"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "bench failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("bench validate: tps="), "{last}");
    for name in ["tps", "tps_1", "revm_tps", "ecrecover_tps"] {
        let value: f64 = last
            .split_whitespace()
            .find_map(|f| f.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} missing: {last}"))
            .parse()
            .unwrap();
        assert!(value > 0.0, "{name}={value}");
    }
}
