use super::*;
use rust_decimal::dec;

#[test]
fn a_minimal_scenario_takes_every_default() {
    let s = load_str("mini.ron", "(name: \"mini\")").unwrap();
    assert_eq!(s.name, "mini");
    assert_eq!(s, Scenario { name: "mini".into(), ..Scenario::default() });
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
    assert_eq!(s.shocks[0].kind, ShockKind::PriceGap { change: -0.1 });
}

#[test]
fn unknown_field_names_file_line_and_column() {
    let err = load_str("bad.ron", "(\n  name: \"x\",\n  margn: (initial: 0.1),\n)").unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("bad.ron:3:"), "{text}");
    assert!(text.contains("margn"), "{text}");
    assert!(text.contains("margin"), "expected fields are listed: {text}");
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
