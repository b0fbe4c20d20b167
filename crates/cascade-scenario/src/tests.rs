use super::*;
use rust_decimal::dec;

#[test]
fn a_minimal_scenario_takes_every_default() {
    let s = load_str("mini.ron", "(name: \"mini\")").unwrap();
    assert_eq!(s.name, "mini");
    assert_eq!(s.raw(), &RawScenario { name: "mini".into(), ..RawScenario::default() });
}

#[test]
fn decimals_are_read_exactly_from_ron_numbers() {
    let s = load_str(
        "m.ron",
        "(margin: (initial: 0.1, maintenance: 0.05), market: (initial_price: 1_000_000, tick_size: 0.5, maker_fee: -0.0001))",
    )
    .unwrap();
    assert_eq!(s.margin.initial, dec!(0.1));
    assert_eq!(s.margin.maintenance, dec!(0.05));
    assert_eq!(s.market.initial_price, dec!(1000000));
    assert_eq!(s.market.maker_fee, dec!(-0.0001));
}

#[test]
fn shocks_parse() {
    let s = load_str(
        "s.ron",
        "(ticks: 100, shocks: [(at: 10, kind: PriceGap(change: -0.1)), (at: 10, duration: 5, kind: DepthWithdrawal(fraction: 0.5))])",
    )
    .unwrap();
    assert_eq!(s.shocks.len(), 2);
    assert_eq!(s.shocks[0].kind, ShockKind::PriceGap { change: -0.1, market: None });
}

#[test]
fn unknown_field_names_file_line_and_column_and_suggests_the_closest() {
    let err = load_str("bad.ron", "(\n  name: \"x\",\n  margn: (initial: 0.1),\n)").unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("bad.ron:3:"), "{text}");
    assert!(text.contains("margn"), "{text}");
    assert!(text.ends_with("(did you mean `margin`?)"), "{text}");
    let err = load_str("bad.ron", "(shocks: [(at: 1, kind: PriceGapp(change: -0.1))])").unwrap_err();
    assert!(err.to_string().ends_with("(did you mean `PriceGap`?)"), "{err}");
    // Nothing plausible: no suggestion.
    let err = load_str("bad.ron", "(zzzzzzzz: 1)").unwrap_err();
    assert!(!err.to_string().contains("did you mean"), "{err}");
}

#[test]
fn semantic_problems_point_at_the_field_in_the_file() {
    let text = "(\n  ticks: 100,\n  margin: (\n    initial: 0.05,\n    maintenance: 0.06,\n  ),\n)";
    let err = load_str("m.ron", text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "m.ron: 1 problem:\n  m.ron:5:5: margin.maintenance: expected a fraction above 0 and below margin.initial (0.05), found 0.06"
    );
    // A defaulted field that is wrong because of another has no position of its own.
    let err = load_str("m.ron", "(margin: (initial: 0.02))").unwrap_err();
    assert!(err.to_string().contains("m.ron:1:2: margin.maintenance"), "{err}");
}

#[test]
fn a_scenario_extends_its_base_field_by_field() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("calm.ron"),
        "(name: \"calm\", ticks: 500, margin: (initial: 0.1, maintenance: 0.05), shocks: [(at: 10, kind: PriceGap(change: -0.1))])",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("child.ron"),
        "(base: \"calm.ron\", name: \"child\", margin: (maintenance: 0.04), liquidation: (mode: Partial(target: 1.0, slice_fraction: 0.5, slice_min_notional: 0, cooldown_ticks: 1)))",
    )
    .unwrap();
    let s = load_file(&dir.path().join("child.ron")).unwrap();
    assert_eq!(s.name, "child");
    assert_eq!(s.ticks, 500, "from the base");
    assert_eq!(s.margin.initial, dec!(0.1), "the base's, since the child sets only maintenance");
    assert_eq!(s.margin.maintenance, dec!(0.04));
    assert_eq!(s.shocks.len(), 1, "lists come from the base unless the child writes one");
    assert!(matches!(s.liquidation.mode, LiquidationMode::Partial { .. }));
    // A problem in the base is reported in the base file.
    std::fs::write(
        dir.path().join("bad-base.ron"),
        "(\n  ticks: 5,\n  shocks: [(at: 10, kind: PriceGap(change: -0.1))],\n)",
    )
    .unwrap();
    std::fs::write(dir.path().join("bad-child.ron"), "(base: \"bad-base.ron\")").unwrap();
    let err = load_file(&dir.path().join("bad-child.ron")).unwrap_err().to_string();
    assert!(err.contains("bad-base.ron:3:13: shocks[0].at"), "{err}");
    // Cycles are cut.
    std::fs::write(dir.path().join("loop.ron"), "(base: \"loop.ron\")").unwrap();
    assert!(matches!(load_file(&dir.path().join("loop.ron")), Err(ScenarioError::BaseCycle { .. })));
}

#[test]
fn overrides_set_any_field_and_explain_mistakes() {
    let base = load_str("b.ron", "(ticks: 100, shocks: [(at: 10, kind: PriceGap(change: -0.1))])").unwrap();
    let set = |s: &str| s.parse::<Override>().unwrap();
    let s = apply_overrides(
        base.raw().clone(),
        &[set("margin.initial=0.1"), set("shocks[0].at=20"), set("liquidation.loss_allocation=BadDebt"), set("name=x")],
    )
    .unwrap();
    assert_eq!(s.margin.initial, dec!(0.1));
    assert_eq!(s.shocks[0].at, 20);
    assert_eq!(s.liquidation.loss_allocation, LossAllocation::BadDebt);
    assert_eq!(s.name, "x");
    // A struct set whole takes its defaults for the fields it leaves out, which a later override can then set.
    let push = [set("oracle.push=(deviation: 0.005, heartbeat_ticks: 60)"), set("oracle.push.max_gas_cost=4")];
    let s = apply_overrides(base.raw().clone(), &push).unwrap();
    assert_eq!(s.oracle.push.and_then(|p| p.max_gas_cost), Some(dec!(4)));
    let err = apply_overrides(base.raw().clone(), &[set("oracle.push=(deviation: 0.005)"), set("ticks=10")])
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("--set oracle.push=(deviation: 0.005): missing field `heartbeat_ticks`"), "{err}");
    let err = apply_overrides(base.raw().clone(), &[set("ticks=many"), push[0].clone()]).unwrap_err().to_string();
    assert!(err.starts_with("--set ticks=many: invalid type"), "the first that broke it: {err}");
    let err = apply_overrides(base.raw().clone(), &[set("margin.intial=0.1")]).unwrap_err().to_string();
    assert_eq!(err, "--set margin.intial=0.1: `margin` has no field `intial` (did you mean `initial`?)");
    let err = apply_overrides(base.raw().clone(), &[set("ticks=many")]).unwrap_err().to_string();
    assert!(err.starts_with("--set ticks=many: invalid type"), "{err}");
    let err = apply_overrides(base.raw().clone(), &[set("shocks[3].at=1")]).unwrap_err().to_string();
    assert!(err.contains("beyond the list's 1 elements"), "{err}");
    // A part the scenario leaves out, and a variant without fields, say to set them whole; once set, their fields
    // can be.
    let err = apply_overrides(base.raw().clone(), &[set("market.pool.liquidity=1000")]).unwrap_err().to_string();
    assert!(err.contains("`market.pool` is not set in this scenario, so it has no `liquidity` to change"), "{err}");
    assert!(err.contains("--set 'market.pool=(...)'"), "{err}");
    let err = apply_overrides(base.raw().clone(), &[set("margin.policy.lambda=0.9")]).unwrap_err().to_string();
    assert!(err.contains("`margin.policy` is `Static`, which has no fields"), "{err}");
    assert!(err.contains("--set 'margin.policy=Variant(lambda: ..., ...)'"), "{err}");
    let err = apply_overrides(base.raw().clone(), &[set("ticks.count=1")]).unwrap_err().to_string();
    assert!(err.ends_with("`ticks` is a value (100), not a group of fields"), "{err}");
    let pool = [set("market.pool=(liquidity: 1000000)"), set("market.pool.spread=0.001")];
    let s = apply_overrides(base.raw().clone(), &pool).unwrap();
    assert_eq!(s.market.pool.map(|p| p.spread), Some(dec!(0.001)));
    assert!("novalue".parse::<Override>().is_err());
    // Overrides are validated like the file, and a problem in a field an override set is reported at the override,
    // not at the line of the file where the value it replaced stands.
    let source =
        Source { label: "b.ron".into(), text: "(\n  ticks: 100,\n  margin: (maintenance: 0.02),\n)".into(), dir: None };
    let overrides = Overrides { set: vec![set("margin.maintenance=0.5")], ..Overrides::default() };
    let err = source.load(&overrides).unwrap_err().to_string();
    assert!(
        err.contains("b.ron: --set margin.maintenance=0.5: margin.maintenance: expected a fraction above 0"),
        "{err}"
    );
    let whole =
        Overrides { margin: Some(Margin { maintenance: dec!(0.5), ..Margin::default() }), ..Overrides::default() };
    assert!(source.load(&whole).unwrap_err().to_string().contains("b.ron: --margin: margin.maintenance"));
}

#[test]
fn a_shorter_run_drops_late_shocks_but_a_file_may_not_write_them() {
    let text = "(ticks: 100, shocks: [(at: 60, kind: PriceGap(change: -0.1))])";
    let source = Source { label: "s.ron".into(), text: text.into(), dir: None };
    let shorter = source.load(&Overrides { ticks: Some(50), ..Overrides::default() }).unwrap();
    assert_eq!((shorter.ticks, shorter.shocks.len()), (50, 1));
    assert_eq!(late_shocks(&shorter).len(), 1, "the front end notes the shock the run does not reach");
    let set = Overrides { set: vec!["ticks=50".parse().unwrap()], ..Overrides::default() };
    assert_eq!(source.load(&set).unwrap().ticks, 50, "--set ticks follows the same rule as --ticks");
    let err = load_str("s.ron", "(ticks: 50, shocks: [(at: 60, kind: PriceGap(change: -0.1))])").unwrap_err();
    assert!(err.to_string().contains("shocks[0].at: expected a tick inside the run"), "{err}");
    let err = source.load(&Overrides { ticks: Some(0), ..Overrides::default() }).unwrap_err().to_string();
    assert!(err.contains("s.ron: --ticks 0: ticks: expected at least 1 tick"), "{err}");
}

#[test]
fn wrong_type_names_line_and_column() {
    let err = load_str("bad.ron", "(\n  ticks: \"many\",\n)").unwrap_err();
    match err {
        ScenarioError::Parse { line, column, ref message, .. } => {
            assert_eq!(line, 2);
            assert!(column > 1);
            assert!(message.contains("integer") || message.contains("u64"), "{message}");
        }
        other => panic!("expected a parse error, got {other}"),
    }
}

#[test]
fn every_semantic_problem_is_reported_at_once() {
    let err = load_str(
        "bad.ron",
        "(ticks: 100, margin: (initial: 0.05, maintenance: 0.06), agents: (noise_traders: (trade_probability: 1.5)),
          shocks: [(at: 500, kind: PriceGap(change: -1.5))])",
    )
    .unwrap_err();
    let ScenarioError::Invalid { problems, .. } = err else { panic!("expected semantic problems") };
    let paths: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        vec!["margin.maintenance", "agents.noise_traders.trade_probability", "shocks[0].at", "shocks[0].kind.change"]
    );
}

#[test]
fn missing_file_is_an_error_not_a_panic() {
    let err = load_file(std::path::Path::new("/nonexistent/scenario.ron")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/scenario.ron"));
}

proptest::proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = load_str("fuzz.ron", &text);
    }

    #[test]
    fn mutated_valid_scenarios_never_panic(cut in 0usize..200, insert in "[(),:a-z0-9. \\-\\[\\]\"]{0,8}") {
        let base = "(name: \"x\", ticks: 100, margin: (initial: 0.1, maintenance: 0.05), shocks: [(at: 5, duration: 3, kind: DepthWithdrawal(fraction: 0.5))])";
        let cut = cut.min(base.len());
        let text = format!("{}{}{}", &base[..cut], insert, &base[cut..]);
        let _ = load_str("fuzz.ron", &text);
    }
}

#[test]
fn a_scenario_written_as_ron_reads_back_the_same() {
    let s = crate::library::load("crash-2020-03-12", &Overrides::default()).unwrap().unwrap();
    assert_eq!(&parse("again.ron", &to_ron(&s)).unwrap(), s.raw());
}

#[test]
fn every_margin_preset_loads_and_sets_a_distinct_rule() {
    let mut seen = Vec::new();
    for entry in crate::library::MARGIN_PRESETS {
        let margin = crate::library::load_margin(entry.name).unwrap_or_else(|e| panic!("{}: {e}", entry.name));
        assert_ne!(margin, crate::Margin::default(), "{} changes nothing", entry.name);
        assert!(!seen.contains(&margin), "{} repeats another preset", entry.name);
        seen.push(margin);
        assert!(entry.text.trim_start().starts_with("//"), "{} says where its numbers come from", entry.name);
    }
    let binance = crate::library::load_margin("binance-btcusdt").unwrap();
    let crate::MarginPolicy::Tiered { brackets } = binance.policy else { panic!("tiered") };
    assert_eq!(brackets.len(), 5);
    assert_eq!(brackets[2].maintenance_rate, dec!(0.0065));
    assert!(matches!(crate::library::load_margin("no-such-preset"), Err(crate::ScenarioError::Io { .. })));
}

#[test]
fn replay_files_of_every_market_resolve_beside_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    let csv: String = std::iter::once("time,price".to_owned())
        .chain((0..=20).map(|i| format!("{},{}", i * 60, 2000 + i)))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.path().join("data/eth.csv"), csv).unwrap();
    let text = r#"(
        ticks: 10,
        other_markets: [(reference: (model: Replay(file: "data/eth.csv")))],
    )"#;
    std::fs::write(dir.path().join("two.ron"), text).unwrap();
    let s = crate::load_file(&dir.path().join("two.ron")).unwrap();
    let crate::ReferenceModel::Replay { file } = &s.other_markets[0].reference.model else { panic!("a replay") };
    assert_eq!(std::path::Path::new(file), dir.path().join("data/eth.csv"));
}

#[test]
fn several_markets_and_new_margin_rules_are_checked_with_locations() {
    let text = "(
  ticks: 100,
  correlation: [[1.0, 0.9], [0.8, 1.0]],
  other_markets: [(market: (symbol: \"BTC-PERP\"))],
  agents: (pair_traders: (count: 5, leverage: 0.5)),
  margin: (mode: Portfolio(max_offset: 1.5), stress_buffer: 2, policy: Tiered(brackets: [])),
  shocks: [
    (at: 10, kind: PriceGap(change: -0.1, market: \"SOL-PERP\")),
    (at: 20, duration: 5, kind: CorrelationBreak(correlation: -1.5)),
  ],
)";
    let message = load_str("multi.ron", text).unwrap_err().to_string();
    assert_eq!(
        message,
        "multi.ron: 8 problems:
  multi.ron:3:3: correlation: expected a correlation matrix over the 2 markets: not symmetric at (1, 2)
  multi.ron:4:29: other_markets[0].market.symbol: expected a symbol no other market has, found `BTC-PERP` again
  multi.ron:5:37: agents.pair_traders.leverage: expected a gross leverage >= 1, found 0.5
  multi.ron:6:28: margin.mode.max_offset: expected a fraction in [0, 1], found 1.5
  multi.ron:6:46: margin.stress_buffer: expected a fraction in [0, 1] (0 disables), found 2
  multi.ron:6:79: margin.policy.brackets: expected usable brackets: expected at least one bracket
  multi.ron:8:43: shocks[0].kind.market: expected the symbol of a market (BTC-PERP, BTC-PERP), found `SOL-PERP`
  multi.ron:9:50: shocks[1].kind.correlation: expected a correlation in [-1.0000, 1] for 2 markets, found -1.5"
    );
    // One market cannot break a correlation, nor hold pair traders.
    let alone = "(ticks: 100, agents: (pair_traders: (count: 1)), shocks: [(at: 1, duration: 2, kind: CorrelationBreak(correlation: 0.0))])";
    let message = load_str("alone.ron", alone).unwrap_err().to_string();
    assert!(message.contains("pair traders need a second market"), "{message}");
    assert!(message.contains("a correlation break needs at least two markets"), "{message}");
    // Pair traders set on another market would be ignored: an error instead.
    let misplaced = "(ticks: 100, other_markets: [(agents: (pair_traders: (count: 3)))])";
    let message = load_str("misplaced.ron", misplaced).unwrap_err().to_string();
    assert!(
        message.contains(
            "misplaced.ron:1:55: other_markets[0].agents.pair_traders.count: pair traders trade the first two"
        ),
        "{message}"
    );
}

#[test]
fn a_validated_scenario_holds_what_validation_built() {
    let cb = library::load("correlation-break", &Overrides::default()).unwrap().unwrap();
    assert_eq!(cb.markets().len(), 2);
    assert_eq!(cb.markets()[1].contract.symbol, "ETH-PERP");
    assert_eq!(cb.markets()[1].agents.pair_traders.count, 0, "pair traders are counted in the first market only");
    let matrix = cascade_core::correlation::Correlation::new(cb.correlation.clone()).unwrap();
    assert_eq!(cb.correlation(), &matrix);
    assert_eq!(load_str("one.ron", "(ticks: 10)").unwrap().correlation().len(), 1, "identity without a matrix");
    let replay = library::load("replay-btc-2018-01", &Overrides::default()).unwrap().unwrap();
    let series = replay.markets()[0].replay.as_ref().expect("the series is loaded once, by validation");
    assert!(series.duration_seconds() / replay.tick_seconds + 1.0 >= replay.ticks as f64);
    assert!(cb.markets()[0].replay.is_none());
}

#[test]
fn an_edit_is_validated_again() {
    let s = load_str("s.ron", "(ticks: 100, shocks: [(at: 60, kind: PriceGap(change: -0.1))])").unwrap();
    let err = s.edit(|raw| raw.margin.maintenance = dec!(0.5)).unwrap_err().to_string();
    assert!(err.contains("scenario \"unnamed\": 1 problem"), "{err}");
    assert!(err.contains("margin.maintenance: expected a fraction above 0 and below margin.initial"), "{err}");
    let shorter = s.edit(|raw| raw.ticks = 50).unwrap();
    assert_eq!(late_shocks(&shorter).len(), 1, "a shorter run is an override: its late shock is noted, not refused");
    assert!(shorter.edit(|raw| raw.margin.initial = dec!(0.2)).is_ok(), "a shortened scenario stays shortened");
    let raw = shorter.into_raw();
    assert!(Scenario::try_from(raw).is_err(), "a raw scenario as written may not have shocks after its end");
}

#[test]
fn policy_fields_left_out_take_their_documented_defaults() {
    let s = load_str("p.ron", "(margin: (policy: VolatilityAdaptive(lambda: 0.97)))").unwrap();
    assert_eq!(
        s.margin.policy,
        MarginPolicy::VolatilityAdaptive {
            lambda: 0.97,
            window_ticks: None,
            horizon_ticks: 60.0,
            multiplier: 3.0,
            floor: dec!(0.01),
            cap: dec!(0.3)
        }
    );
    let s = load_str("p.ron", "(margin: (policy: RiskMeasure(confidence: 0.975)))").unwrap();
    assert!(matches!(
        s.margin.policy,
        MarginPolicy::RiskMeasure { measure: RiskMeasureKind::Es, horizon_ticks: 60, lookback_ticks: 1440, .. }
    ));
    let s = load_str("p.ron", "(margin: (policy: Predictive(model: Har(block_ticks: 20))))").unwrap();
    let MarginPolicy::Predictive { model, .. } = s.margin.policy else { panic!("{:?}", s.margin.policy) };
    assert_eq!(model, VolatilityModel::Har { block_ticks: 20, lookback_blocks: 96 });
    let s = load_str("p.ron", "(margin: (policy: Predictive(model: Regime())))").unwrap();
    let MarginPolicy::Predictive { model, .. } = s.margin.policy else { panic!("{:?}", s.margin.policy) };
    assert_eq!(
        model,
        VolatilityModel::Regime { regimes: 2, lookback_ticks: 1440, refit_every_ticks: 60, measure: None }
    );
    let s = load_str("p.ron", "(margin: (policy: Predictive(model: Regime(measure: Es(0.975)))))").unwrap();
    let MarginPolicy::Predictive { model, .. } = s.margin.policy else { panic!("{:?}", s.margin.policy) };
    assert!(matches!(model, VolatilityModel::Regime { measure: Some(LossMeasure::Es(c)), .. } if c == 0.975));
    let s = load_str("p.ron", "(margin: (policy: Predictive(model: Learned())))").unwrap();
    let MarginPolicy::Predictive { model, .. } = s.margin.policy else { panic!("{:?}", s.margin.policy) };
    let defaults =
        VolatilityModel::Learned { quantile: 0.99, lookback_ticks: 1440, refit_every_ticks: 60, warmup_ticks: 240 };
    assert_eq!(model, defaults);
    let text = "(margin: (policy: Predictive(model: Learned(quantile: 1.2, lookback_ticks: 100, warmup_ticks: 10))))";
    let err = load_str("p.ron", text).unwrap_err().to_string();
    assert!(err.contains("margin.policy.model.quantile: expected a quantile level in (0.5, 1), found 1.2"), "{err}");
    assert!(err.contains("margin.policy.model.warmup_ticks: expected at least 50 pairs"), "{err}");
    let text = "(margin: (policy: Predictive(model: Learned(lookback_ticks: 100, warmup_ticks: 200))))";
    let err = load_str("p.ron", text).unwrap_err().to_string();
    assert!(err.contains("expected at least 200 returns to fit the learned model, found 100"), "{err}");
    let err = load_str("p.ron", "(margin: (policy: Predictive(model: Regime(measure: Var(0.3)))))").unwrap_err();
    assert!(err.to_string().contains("margin.policy.model.measure: expected a confidence in (0.5, 1), found 0.3"));
    let err = load_str("p.ron", "(margin: (policy: Predictive(model: Regime(regimes: 4, lookback_ticks: 50))))")
        .unwrap_err()
        .to_string();
    assert!(err.contains("margin.policy.model.regimes") && err.contains("expected 2 or 3 regimes, found 4"), "{err}");
    assert!(err.contains("expected at least 100 returns to fit the regimes, found 50"), "{err}");
}

#[test]
fn a_set_value_may_be_written_as_in_a_scenario_file() {
    let base = load_str("b.ron", "(ticks: 100)").unwrap().into_raw();
    let set = |s: &str| s.parse::<Override>().unwrap();
    let ron = "liquidation.mode=Partial(target: 1.0, slice_fraction: 0.2, slice_min_notional: 0, cooldown_ticks: 1)";
    let json = r#"liquidation.mode={"Partial": {"target": 1.0, "slice_fraction": 0.2, "slice_min_notional": 0, "cooldown_ticks": 1}}"#;
    let from_ron = apply_overrides(base.clone(), &[set(ron)]).unwrap();
    assert_eq!(from_ron, apply_overrides(base.clone(), &[set(json)]).unwrap());
    assert!(matches!(from_ron.liquidation.mode, LiquidationMode::Partial { cooldown_ticks: 1, .. }));
    let policy = apply_overrides(base.clone(), &[set("margin.policy=VolatilityAdaptive(lambda: 0.97)")]).unwrap();
    assert!(matches!(policy.margin.policy, MarginPolicy::VolatilityAdaptive { lambda, .. } if lambda == 0.97));
    assert_eq!(apply_overrides(base, &[set("name=my-run")]).unwrap().name, "my-run", "a bare word stays a string");
}

#[test]
fn shipped_files_are_read_from_the_copies_compiled_in_not_from_the_build_directory() {
    let under_root = |rest: &str| Path::new(library::ROOT).join(rest);
    let data = library::read(&under_root("../assets/data/coinbase-btcusd-1h-2018-01.csv")).unwrap();
    assert_eq!(data, library::DATA[0].text);
    assert!(data.starts_with("# Coinbase BTC/USD hourly closes"), "{}", &data[..60]);
    assert_eq!(library::read(&under_root("calm.ron")).unwrap(), library::find("calm").unwrap().text);
    let preset = library::read(&under_root("./margin/har-rv.ron")).unwrap();
    assert!(preset.contains("margin"));
    // Nothing else under the root exists, and a path leaving it is an ordinary (missing) path.
    let missing = library::read(&under_root("no-such.ron")).unwrap_err();
    assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    assert!(library::read(&under_root("../../assets/data/coinbase-btcusd-1h-2018-01.csv")).is_err());
    // A shipped scenario's source resolves relative paths under the root, whatever the working directory.
    let source = crate::resolve("replay-btc-2018-01").unwrap();
    assert_eq!(source.dir.as_deref(), Some(Path::new(library::ROOT)));
}

#[test]
fn a_push_oracle_is_read_and_checked() {
    let s = load_str("p.ron", "(oracle: (push: (deviation: 0.005, heartbeat_ticks: 60)))").unwrap();
    assert_eq!(s.oracle.push, Some(PushOracle { deviation: 0.005, heartbeat_ticks: 60, max_gas_cost: None }));
    let err = load_str("p.ron", "(oracle: (push: (deviation: -0.1, heartbeat_ticks: 0)))").unwrap_err().to_string();
    assert!(
        err.contains("oracle.push.deviation") && err.contains("oracle.push.heartbeat_ticks: expected at least 1"),
        "{err}"
    );
    assert!(load_str("p.ron", "(oracle: (push: (deviation: 0.005)))").is_err(), "both fields are needed");
}

#[test]
fn optional_fields_absent_from_a_base_can_be_written_by_a_child_or_set() {
    // A field left at `None` in the base is still a field: a child writes it, and `--set` reaches it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.ron"), "(name: \"base\", ticks: 50)").unwrap();
    std::fs::write(
        dir.path().join("child.ron"),
        "(base: \"base.ron\", reference: (impact_half_life_ticks: 5.0), \
          oracle: (source_lag_ticks: 0, push: (deviation: 0.005, heartbeat_ticks: 60)))",
    )
    .unwrap();
    let s = load_file(&dir.path().join("child.ron")).unwrap();
    assert_eq!(s.reference.impact_half_life_ticks, Some(5.0));
    assert_eq!(s.oracle.source_lag_ticks, 0);
    assert_eq!(s.oracle.push, Some(PushOracle { deviation: 0.005, heartbeat_ticks: 60, max_gas_cost: None }));
    assert_eq!(s.ticks, 50, "from the base");
    let set = |s: &str| s.parse::<Override>().unwrap();
    let raw = load_str("b.ron", "(ticks: 100)").unwrap().into_raw();
    let s = apply_overrides(
        raw,
        &[set("reference.impact_half_life_ticks=3"), set("oracle.push=(deviation: 0.01, heartbeat_ticks: 10)")],
    )
    .unwrap();
    assert_eq!(s.reference.impact_half_life_ticks, Some(3.0));
    assert_eq!(s.oracle.push, Some(PushOracle { deviation: 0.01, heartbeat_ticks: 10, max_gas_cost: None }));
    let err = load_str("b.ron", "(reference: (impact_half_life_ticks: 0.0))").unwrap_err().to_string();
    assert!(err.contains("reference.impact_half_life_ticks"), "{err}");
}

#[test]
fn a_herding_reference_and_a_basis_average_are_read_and_checked() {
    let ok = "(market: (basis_average_ticks: 5), reference: (model: Herding(phi: 0.18, chi: 1.0, sigma_f: 0.5, \
              sigma_c: 4.0, alpha_0: -0.161, alpha_n: 2.4, alpha_p: 4.0, beta: 1.0, mu: 0.01, tail_dof: 8.0)))";
    let s = load_str("h.ron", ok).unwrap();
    assert!(matches!(s.reference.model, ReferenceModel::Herding { tail_dof: Some(8.0), .. }));
    assert_eq!(s.market.basis_average_ticks, 5);
    let bad = "(market: (basis_average_ticks: 100000), reference: (model: Herding(phi: -1.0, chi: 1.0, \
               sigma_f: 0.0, sigma_c: 4.0, alpha_0: -0.161, alpha_n: 2.4, alpha_p: 4.0, beta: 1.0, mu: 0.01, \
               tail_dof: 2.0)), agents: (noise_traders: (order_notional_tail: 1.0, \
               self_excitation: (branching: 1.0, decay_ticks: 0.0))))";
    let err = load_str("h.ron", bad).unwrap_err().to_string();
    for expected in [
        "reference.model.phi",
        "reference.model.sigma_f",
        "reference.model.tail_dof: expected more than 2 degrees of freedom",
        "market.basis_average_ticks: expected at most 86400 ticks, found 100000",
        "agents.noise_traders.self_excitation.branching: expected a branching ratio in [0, 1)",
        "agents.noise_traders.self_excitation.decay_ticks",
        "agents.noise_traders.order_notional_tail: expected a tail index above 1",
    ] {
        assert!(err.contains(expected), "{expected:?} in {err}");
    }
}

#[test]
fn signal_traders_are_read_and_checked() {
    let s = load_str("t.ron", "(agents: (trend_followers: (count: 10, horizons_ticks: [5, 50])))").unwrap();
    assert_eq!(s.agents.trend_followers.horizons_ticks, vec![5, 50]);
    assert_eq!(s.accounts(), load_str("t.ron", "()").unwrap().accounts() + 10, "they are accounts");
    let bad = "(agents: (trend_followers: (count: 10, leverage: 0.5, horizons_ticks: [0, 20000], threshold: -0.1, \
               look_probability: 2.0, holding_ticks: 0)))";
    let err = load_str("t.ron", bad).unwrap_err().to_string();
    for expected in [
        "agents.trend_followers.leverage: expected a leverage >= 1",
        "agents.trend_followers.horizons_ticks: expected at least one horizon, each from 1 to 10080 ticks",
        "agents.trend_followers.threshold",
        "agents.trend_followers.look_probability",
        "agents.trend_followers.holding_ticks: expected at least 1 tick",
    ] {
        assert!(err.contains(expected), "{expected:?} in {err}");
    }
    let value = "(agents: (fundamentalists: (count: 5, leverage: 0.0, value_half_life_ticks: 0.0, holding_ticks: 0)))";
    let err = load_str("t.ron", value).unwrap_err().to_string();
    for expected in [
        "agents.fundamentalists.leverage: expected a leverage >= 1",
        "agents.fundamentalists.value_half_life_ticks",
        "agents.fundamentalists.holding_ticks: expected at least 1 tick",
    ] {
        assert!(err.contains(expected), "{expected:?} in {err}");
    }
    let none = "(agents: (trend_followers: (count: 10, horizons_ticks: [])))";
    assert!(load_str("t.ron", none).unwrap_err().to_string().contains("agents.trend_followers.horizons_ticks"));
}
