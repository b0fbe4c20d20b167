//! `cascade run`.

use crate::util::{cascade, scenarios, stderr, stdout};
use std::fs;

const FILES: [&str; 4] = ["timeseries.csv", "events.csv", "summary.json", "manifest.json"];

#[test]
fn run_writes_the_four_files_and_prints_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = cascade(dir.path(), &["run", "--ticks", "200", "--out", "r"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("scenario \"default\""), "{text}");
    assert!(text.contains("insurance fund"), "{text}");
    for file in FILES {
        assert!(dir.path().join("r").join(file).is_file(), "{file} missing");
    }
    let mut series = csv::Reader::from_path(dir.path().join("r/timeseries.csv")).unwrap();
    let header: Vec<String> = series.headers().unwrap().iter().map(str::to_owned).collect();
    for column in [
        "tick",
        "reference",
        "oracle",
        "mark",
        "best_bid",
        "best_ask",
        "bid_depth_1pct",
        "ask_depth_1pct",
        "volume",
        "open_interest",
        "liquidations",
        "liquidated_notional",
        "insurance_fund",
        "bad_debt",
    ] {
        assert!(header.iter().any(|h| h == column), "no column {column} in {header:?}");
    }
    assert_eq!(series.records().count(), 200);
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("r/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 3);
    assert_eq!(manifest["scenario_path"], "<built-in default>");
    assert_eq!(manifest["scenario_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(manifest["ticks"], 200);
}

#[test]
fn same_scenario_and_seed_give_byte_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenarios().join("default.ron");
    let scenario = scenario.to_str().unwrap();
    for out_dir in ["a", "b"] {
        let out = cascade(dir.path(), &["run", scenario, "--seed", "5", "--ticks", "1500", "--out", out_dir, "-q"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let other = cascade(dir.path(), &["run", scenario, "--seed", "6", "--ticks", "1500", "--out", "c", "-q"]);
    assert!(other.status.success());
    for file in ["timeseries.csv", "events.csv", "summary.json"] {
        let a = fs::read(dir.path().join("a").join(file)).unwrap();
        let b = fs::read(dir.path().join("b").join(file)).unwrap();
        assert!(a == b, "{file} differs between identical runs");
    }
    let a = fs::read(dir.path().join("a/timeseries.csv")).unwrap();
    let c = fs::read(dir.path().join("c/timeseries.csv")).unwrap();
    assert_ne!(a, c, "a different seed gives a different path");
    // The manifests differ only in the command line (the output directory).
    let manifest = |d: &str| {
        let mut v: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.path().join(d).join("manifest.json")).unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("command_line");
        v
    };
    assert_eq!(manifest("a"), manifest("b"));
}

#[test]
fn the_shipped_default_file_and_the_built_in_default_are_the_same_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenarios().join("default.ron");
    assert!(cascade(dir.path(), &["run", "--ticks", "50", "--out", "builtin", "-q"]).status.success());
    assert!(
        cascade(dir.path(), &["run", file.to_str().unwrap(), "--ticks", "50", "--out", "file", "-q"]).status.success()
    );
    let read = |d: &str| fs::read(dir.path().join(d).join("timeseries.csv")).unwrap();
    assert_eq!(read("builtin"), read("file"));
}

#[test]
fn a_broken_scenario_fails_with_its_location_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bad.ron"), "(\n  name: \"bad\",\n  ticks: -5,\n)").unwrap();
    let out = cascade(dir.path(), &["run", "bad.ron"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("bad.ron:3:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.path().join("runs").exists(), "nothing is written for a failed run");
}

/// Four billion accounts validate (each population's count is in range) but would need 857 GiB: refused at
/// once with the estimate, before anything is built, by a run and by a sweep.
#[test]
fn a_scenario_too_large_for_the_memory_is_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let run = cascade(dir.path(), &["run", "--set", "agents.leveraged_traders.count=4000000000", "--out", "big", "-q"]);
    assert!(!run.status.success());
    let message = stderr(&run);
    assert!(message.contains("accounts would need about 856.8 GiB of memory"), "{message}");
    assert!(!dir.path().join("big/timeseries.csv").exists());
    let plan = r#"(name: "big", scenarios: [(name: "default", set: ["agents.leveraged_traders.count=4000000000"])])"#;
    std::fs::write(dir.path().join("big.ron"), plan).unwrap();
    let sweep = cascade(dir.path(), &["sweep", "big.ron", "--out", "sweep", "-q"]);
    assert!(!sweep.status.success());
    assert!(stderr(&sweep).contains("would need about"), "{}", stderr(&sweep));
}

#[test]
fn every_shipped_scenario_is_listed_and_runs_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let listed = stdout(&cascade(dir.path(), &["scenarios"]));
    // Every margin preset has a one-line summary that ends.
    for preset in cascade_scenario::library::MARGIN_PRESETS {
        let line = listed.lines().find(|l| l.starts_with(preset.name)).unwrap();
        assert!(line.ends_with('.') && line.len() <= 140, "{line}");
    }
    let mut files: Vec<String> = fs::read_dir(scenarios())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .map(|p| p.file_stem().unwrap().to_str().unwrap().to_owned())
        .collect();
    files.sort();
    assert!(files.len() >= 7);
    for name in &files {
        assert!(listed.lines().any(|l| l.starts_with(name.as_str())), "{name} is not listed:\n{listed}");

        let out = cascade(dir.path(), &["run", name, "--ticks", "120", "--out", name, "-q"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert!(dir.path().join(name).join("summary.json").is_file());
    }
}

#[test]
fn overrides_change_the_run_and_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let out = cascade(
        dir.path(),
        &[
            "run",
            "--ticks",
            "100",
            "--set",
            "margin.initial=0.2",
            "--set",
            "margin.maintenance=0.1",
            "--out",
            "o",
            "-q",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("o/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["overrides"], serde_json::json!(["margin.initial=0.2", "margin.maintenance=0.1"]));
    let bad = cascade(dir.path(), &["run", "--set", "margin.intial=0.2"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("(did you mean `initial`?)"), "{}", stderr(&bad));
    let invalid = cascade(dir.path(), &["run", "--set", "margin.maintenance=0.5"]);
    assert!(stderr(&invalid).contains("margin.maintenance: expected a fraction above 0 and below margin.initial"));
}

#[test]
fn var_of_a_known_series() {
    let dir = tempfile::tempdir().unwrap();
    // Twenty returns whose 90% historical VaR is the third worst loss, 3%, and ES the mean of the three worst, 4%.
    let returns = [
        0.01, -0.02, 0.015, -0.05, 0.03, 0.0, -0.01, 0.02, -0.04, 0.005, 0.01, -0.03, 0.025, -0.015, 0.0, 0.01, -0.005,
        0.02, -0.025, 0.03,
    ];
    let text: String = std::iter::once("return".to_owned())
        .chain(returns.iter().map(|r| r.to_string()))
        .collect::<Vec<_>>()
        .join("\n");
    fs::write(dir.path().join("r.csv"), text).unwrap();
    let out =
        cascade(dir.path(), &["var", "--returns", "r.csv", "--confidence", "0.9", "--method", "historical", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!((v["var"].as_f64().unwrap() - 0.03).abs() < 1e-12);
    assert!((v["es"].as_f64().unwrap() - 0.04).abs() < 1e-12);
    assert_eq!(v["observations"], 20);
    // Normal: mean + sd of the series by hand gives VaR = 2.326348 sd - mean.
    let out = cascade(dir.path(), &["var", "--returns", "r.csv", "--method", "normal", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let n = returns.len() as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let sd = (returns.iter().map(|r| (r - mean) * (r - mean)).sum::<f64>() / (n - 1.0)).sqrt();
    assert!((v["var"].as_f64().unwrap() - (2.326_347_874 * sd - mean)).abs() < 1e-8);
    // A file without a usable column is an error naming the columns.
    fs::write(dir.path().join("bad.csv"), "a,b\n1,2\n").unwrap();
    let out = cascade(dir.path(), &["var", "--returns", "bad.csv"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no column `return`, `price` or `mark` (columns: a, b)"), "{}", stderr(&out));
    // A column named is that column or an error (no silent fallback to another one).
    let out = cascade(dir.path(), &["var", "--returns", "r.csv", "--column", "nosuch"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no column `nosuch` (columns: return)"), "{}", stderr(&out));
    // The short side's losses are the long side's gains: its 90% historical VaR is the third largest gain, 2.5%.
    let out = cascade(dir.path(), &["var", "--returns", "r.csv", "--confidence", "0.9", "--side", "short", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!((v["var"].as_f64().unwrap() - 0.025).abs() < 1e-12, "{v}");
    assert_eq!(
        (v["side"].as_str(), v["column"].as_str(), v["from_prices"].as_bool()),
        (Some("short"), Some("return"), Some(false))
    );
    // A price column is turned into log returns; a returns column that holds prices is refused.
    fs::write(dir.path().join("p.csv"), "reference,other\n100,100\n99,99\n101,101\n98,98\n").unwrap();
    let out = cascade(dir.path(), &["var", "--returns", "p.csv", "--column", "reference"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("of a long position's value")
            && stdout(&out).contains("from 3 log returns of the prices in column `reference`"),
        "{}",
        stdout(&out)
    );
    let out = cascade(dir.path(), &["var", "--returns", "p.csv", "--column", "other"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("column `other` is read as returns (fractions), but holds 100"), "{}", stderr(&out));
}

#[test]
fn liq_price_and_backtest() {
    let dir = tempfile::tempdir().unwrap();
    // 1,000 collateral, long 1 at 10,000, 2.5% maintenance: (10,000 - 1,000) / 0.975 = 9,230.77.
    let out = cascade(
        dir.path(),
        &["liq-price", "--side", "long", "--entry", "10000", "--size", "1", "--collateral", "1000"],
    );
    assert!(stdout(&out).starts_with("9230.77 "), "{}", stdout(&out));
    let out = cascade(
        dir.path(),
        &["liq-price", "--side", "short", "--entry", "10000", "--size", "1", "--collateral", "1000"],
    );
    assert!(stdout(&out).starts_with("10731.71 "), "{}", stdout(&out));
    // Tiered (Binance BTCUSDT brackets): long 10 at 50,000 with 25,000 lands in bracket 2: 474,700 / 9.95.
    let args = [
        "liq-price",
        "--side",
        "long",
        "--entry",
        "50000",
        "--size",
        "10",
        "--collateral",
        "25000",
        "--tiers",
        "binance-btcusdt",
    ];
    let out = cascade(dir.path(), &args);
    assert!(stdout(&out).starts_with("47708.54 "), "{}{}", stdout(&out), stderr(&out));
    let preset = [&args[..9], &["--margin", "binance-btcusdt"]].concat();
    assert_eq!(stdout(&cascade(dir.path(), &preset)), stdout(&out), "the preset is the same table");
    // One leg of a cross account: the other legs lose 800 and need 100 of maintenance, so 24,100 backs this one:
    // (500,000 - 24,100) / (10 x 0.975) = 48,810.26.
    let cross = [&args[..9], &["--other-pnl", "-800", "--other-maintenance", "100"]].concat();
    assert!(stdout(&cascade(dir.path(), &cross)).starts_with("48810.26 "));
    // A square-root premium: 10 BTC pays 0.8 x 2.5% + 0.01 x sqrt(10) = 5.16% maintenance, more than the 5% posted.
    let premium = [&args[..9], &["--margin", "sqrt-size-premium"]].concat();
    // 5.16% of 500,000 is 25,811.39, more than the 25,000 posted: liquidatable at entry (its "price", 50,085.56,
    // is above the entry of a long).
    assert_eq!(
        stdout(&cascade(dir.path(), &premium)),
        "now: liquidatable at its entry price (equity 25000 is not above the maintenance requirement 25811.39)\n"
    );
    // A position already below maintenance at its entry says so, rather than print a price on the wrong side.
    let now = |side: &str, collateral: &str, maintenance: &str| {
        let args = ["liq-price", "--side", side, "--entry", "10000", "--size", "1", "--collateral", collateral];
        stdout(&cascade(dir.path(), &[&args[..], &["--maintenance", maintenance]].concat()))
    };
    assert_eq!(
        now("short", "0", "0.025"),
        "now: liquidatable at its entry price (equity 0 is not above the maintenance requirement 250.00)\n"
    );
    assert!(now("long", "1000", "0.2").starts_with(
        "now: liquidatable at its entry price (equity 1000 is not above the maintenance requirement 2000"
    ));
    let negative =
        cascade(dir.path(), &["liq-price", "--side", "long", "--entry", "100", "--size", "1", "--collateral", "-50"]);
    assert!(stderr(&negative).contains("--collateral must not be negative, found -50"), "{}", stderr(&negative));
    let book = cascade(dir.path(), &[&args[..9], &["--margin", "liquidity-add-on"]].concat());
    assert!(!book.status.success() && stderr(&book).contains("depends on the order book"));
    // Backtest a short run: the summary carries one and the command reproduces it from timeseries.csv.
    assert!(cascade(dir.path(), &["run", "--ticks", "300", "--out", "r", "-q"]).status.success());
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("r/summary.json")).unwrap()).unwrap();
    let out = cascade(dir.path(), &["backtest", "r", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut b: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let procyclicality = b.as_object_mut().unwrap().remove("procyclicality").unwrap();
    assert_eq!(b, summary["backtest"]);
    assert_eq!(procyclicality, summary["procyclicality"], "the summary's procyclicality, from timeseries.csv");
    assert_eq!(b["observations"], 299);
    // Christoffersen's tests beside Kupiec: 298 transitions between the 299 windows.
    let transitions = &b["clustering"]["transitions"];
    let counted: u64 =
        (0..2).flat_map(|i| (0..2).map(move |j| (i, j))).map(|(i, j)| transitions[i][j].as_u64().unwrap()).sum();
    assert_eq!(counted, 298);
    // Over ten ticks the windows do not overlap: 299 moves make 29 windows.
    let text = stdout(&cascade(dir.path(), &["backtest", "r", "--horizon", "10"]));
    assert!(text.contains("10-tick mark moves (non-overlapping windows): 29 observations"), "{text}");
    assert!(text.contains("clustering (Christoffersen, worse side)"), "{text}");
    assert!(text.contains("procyclicality (initial margin of one unit long): peak-to-trough 1.0"), "{text}");
    let missing = cascade(dir.path(), &["backtest", "nowhere"]);
    assert!(!missing.status.success() && stderr(&missing).contains("nowhere/timeseries.csv: cannot read"));
}

/// The README shows the default run's summary: keep it true.
#[test]
fn the_readme_shows_what_the_default_run_prints() {
    let readme = fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let block =
        readme.split("```text\ncascade 0.1.0 | scenario \"default\"").nth(1).unwrap().split("```").next().unwrap();
    let expected = format!("cascade 0.1.0 | scenario \"default\"{block}");
    let dir = tempfile::tempdir().unwrap();
    let out = cascade(dir.path(), &["run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), expected);
}

#[test]
fn a_directory_named_like_a_shipped_scenario_does_not_hide_it() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("calm")).unwrap();
    let out = cascade(dir.path(), &["run", "calm", "--ticks", "20", "--out", "r", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("r/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["scenario_path"], "<built-in calm>");
    let out = cascade(dir.path(), &["run", "nosuch"]);
    assert!(
        stderr(&out).contains("nosuch: no such file, and no shipped scenario of that name (shipped: default, calm")
    );
    // The run length from the command line is validated like the file's.
    let out = cascade(dir.path(), &["run", "--ticks", "0"]);
    assert!(
        stderr(&out).contains("<built-in default>: --ticks 0: ticks: expected at least 1 tick"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_run_under_other_margin_rules_does_not_overwrite_the_plain_run() {
    let dir = tempfile::tempdir().unwrap();
    assert!(cascade(dir.path(), &["run", "calm", "--ticks", "20", "-q"]).status.success());
    assert!(cascade(dir.path(), &["run", "calm", "--ticks", "20", "--margin", "ccp-apc", "-q"]).status.success());
    assert!(dir.path().join("runs/calm-seed42/summary.json").is_file());
    assert!(dir.path().join("runs/calm-ccp-apc-seed42/summary.json").is_file());
}

#[test]
fn the_window_without_a_display_says_what_is_needed() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(["gui"])
        .current_dir(dir.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cascade gui needs a desktop"), "{}", stderr(&out));
    assert!(stderr(&out).contains("xvfb-run cascade gui"), "{}", stderr(&out));
}

/// The README's usage lines name every option each command's `--help` lists.
#[test]
fn the_readme_usage_names_every_option_of_every_command() {
    let readme = fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let block = readme.split("## Using it\n\n```sh\n").nth(1).unwrap().split("```").next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for command in [
        "run",
        "compare",
        "sweep",
        "merge",
        "calibrate",
        "breakpoint",
        "validate",
        "gui",
        "var",
        "backtest",
        "facts",
        "report",
        "liq-price",
    ] {
        // The command's line and its indented continuation lines.
        let mut usage = String::new();
        let mut inside = false;
        for line in block.lines() {
            if line.starts_with("cascade ") {
                inside = line.starts_with(&format!("cascade {command} "));
            }
            if inside {
                usage.push_str(line);
            }
        }
        assert!(!usage.is_empty(), "no usage line for {command}");
        let help = stdout(&cascade(dir.path(), &[command, "--help"]));
        for line in help.lines().map(str::trim).filter(|l| l.starts_with('-') && !l.contains("--help")) {
            // `-q, --quiet <X>`: the long name, or the short one, must be shown.
            let names: Vec<&str> =
                line.split_whitespace().take_while(|w| w.starts_with('-')).map(|w| w.trim_end_matches(',')).collect();
            assert!(names.iter().any(|n| usage.contains(n)), "README's `cascade {command}` line lacks {line}");
        }
    }
}

/// A socialized loss is one `socialized_loss` row per shortfall; each winner's haircut only with `--haircut-events`,
/// and the summary is the same either way.
#[test]
fn socialized_losses_are_one_row_per_shortfall_and_haircuts_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let base = ["run", "--ticks", "1460", "--set", "liquidation.loss_allocation=SocializedLoss", "-q"];
    let kinds = |out: &str, extra: &[&str]| -> std::collections::BTreeMap<String, usize> {
        let run =
            cascade(dir.path(), &[&base[..], &["--set", "liquidation.insurance_fund=0", "--out", out], extra].concat());
        assert!(run.status.success(), "{}", stderr(&run));
        let mut reader = csv::Reader::from_path(dir.path().join(out).join("events.csv")).unwrap();
        let mut counts = std::collections::BTreeMap::new();
        for row in reader.records() {
            *counts.entry(row.unwrap()[1].to_owned()).or_insert(0) += 1;
        }
        counts
    };
    let plain = kinds("plain", &[]);
    let detailed = kinds("detailed", &["--haircut-events"]);
    let shortfalls = plain.get("socialized_loss").copied().unwrap_or(0);
    assert!(shortfalls > 0, "{plain:?}");
    assert!(!plain.contains_key("haircut"), "{plain:?}");
    assert!(detailed["haircut"] > 10 * shortfalls, "many winners per shortfall: {detailed:?}");
    assert_eq!(detailed["socialized_loss"], shortfalls);
    let read = |out: &str| fs::read(dir.path().join(out).join("summary.json")).unwrap();
    assert_eq!(read("plain"), read("detailed"), "the summary counts every haircut either way");
}

/// docs/margin.md's figures for the volatility-adaptive preset over the shipped calm market.
#[test]
fn the_adaptive_preset_over_the_calm_market_holds_what_the_docs_say() {
    let dir = tempfile::tempdir().unwrap();
    let out = cascade(dir.path(), &["run", "calm", "--margin", "volatility-adaptive", "--out", "c", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut reader = csv::Reader::from_path(dir.path().join("c/timeseries.csv")).unwrap();
    let at = reader.headers().unwrap().iter().position(|h| h == "maintenance_margin").unwrap();
    let mut mm: Vec<f64> = reader.records().map(|r| r.unwrap()[at].parse().unwrap()).collect();
    mm.sort_by(f64::total_cmp);
    let percent = |x: f64| format!("{:.2}%", 100.0 * x);
    let median = (mm[(mm.len() - 1) / 2] + mm[mm.len() / 2]) / 2.0;
    let figures = (percent(median), percent(mm[0]), percent(mm[mm.len() - 1]));
    assert_eq!(figures, ("1.54%".to_owned(), "1.00%".to_owned(), "6.48%".to_owned()));
    let docs = fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/margin.md")).unwrap();
    assert!(
        docs.contains("a median\n  1.54%, between its floor of 1.00% and 6.48%"),
        "docs/margin.md gives these figures"
    );
}

#[test]
fn benchmark_scenarios_load_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (file, count) in [
        ("scenarios/bench/scale.ron", "2000"),
        ("benches/peer/reference.ron", "500"),
        ("benches/peer/reference-pool.ron", "500"),
    ] {
        let path = root.join(file);
        let set = format!("agents.leveraged_traders.count={count}");
        let out =
            cascade(dir.path(), &["run", path.to_str().unwrap(), "--set", &set, "--ticks", "60", "--out", "b", "-q"]);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        let summary: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.path().join("b/summary.json")).unwrap()).unwrap();
        assert_eq!(summary["ticks"], 60, "{file}");
    }
}
