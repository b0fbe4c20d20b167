use super::presets::{OkxTier, deribit, okx, paradex, span};
use super::*;

fn close(found: f64, expected: f64, what: &str) {
    assert!((found - expected).abs() <= 1e-9 * expected.abs().max(1.0), "{what}: {found} against {expected}");
}

fn put(strike: f64, days: f64, vol: f64, quantity: f64) -> Leg {
    Leg::Option { kind: OptionKind::Put, strike, expiry: days / 365.0, vol, quantity }
}

#[test]
fn deribit_grid_matches_a_hand_enumeration() {
    // F = 100, r = 0: short a 10-day put struck at 90 (vol 60%), long a 60-day call at 110 (55%), short 0.4 of the
    // perpetual. Enumerated apart (27 scenarios, then the 8 extended ones at 35% on the options only, vol shocks
    // scaled by (30/10)^0.30 = 1.3904 and (30/60)^0.13 = 0.9138), Black-76 from math.erfc: the extended -66% move
    // with vol up is the worst, 0.35 x 60.458 = 21.160246; plus 0.01 x 100 for the one net short option.
    let legs = [
        put(90.0, 10.0, 0.6, -1.0),
        Leg::Option { kind: OptionKind::Call, strike: 110.0, expiry: 60.0 / 365.0, vol: 0.55, quantity: 1.0 },
        Leg::Linear { quantity: -0.4 },
    ];
    let grid = deribit();
    close(grid.vol_scaling.factor(10.0 / 365.0), 1.3903891703159093, "short-dated scaling");
    close(grid.vol_scaling.factor(60.0 / 365.0), 0.9138314502294005, "long-dated scaling");
    let m = grid.margin(&legs, 100.0, 0.0).unwrap();
    assert_eq!((m.worst.price_move, m.worst.vol_move), (-0.66, 0.5));
    close(m.worst.loss, 21.160245978839438, "worst loss");
    close(m.short_option, 1.0, "contingency");
    close(m.initial, 22.160245978839438, "initial");
    close(m.maintenance, 17.72819678307155, "maintenance");
}

#[test]
fn a_perpetual_alone_is_margined_by_the_price_range() {
    // One unit long at 100: the -16% point loses 16; the extended table revalues options only. SPAN at a 10%
    // range: 10 (the extreme 2 x 10% at 35% is 7, less).
    let long = [Leg::Linear { quantity: 1.0 }];
    let d = deribit().margin(&long, 100.0, 0.0).unwrap();
    close(d.initial, 16.0, "deribit");
    close(d.maintenance, 12.8, "deribit maintenance");
    assert_eq!(d.worst.price_move, -0.16);
    close(span(0.1, 0.25, 0.0).margin(&long, 100.0, 0.0).unwrap().initial, 10.0, "span");
    close(okx(OkxTier::BtcEth).margin(&long, 100.0, 0.0).unwrap().initial, 12.0, "okx");
    close(okx(OkxTier::Other).margin(&[Leg::Linear { quantity: -2.0 }], 50.0, 0.0).unwrap().initial, 25.0, "okx other");
    close(paradex().margin(&long, 100.0, 0.0).unwrap().maintenance, 8.0, "paradex maintenance");
}

#[test]
fn hedges_lower_the_requirement_and_short_gamma_raises_it() {
    let grid = deribit();
    let naked = [put(90.0, 10.0, 0.6, -1.0)];
    let spread = [put(90.0, 10.0, 0.6, -1.0), put(80.0, 10.0, 0.65, 1.0)];
    let (naked, spread) = (grid.margin(&naked, 100.0, 0.0).unwrap(), grid.margin(&spread, 100.0, 0.0).unwrap());
    assert!(spread.initial < naked.initial, "a put spread {} against a naked put {}", spread.initial, naked.initial);
    // The spread cannot lose more than its width, 10, in any scenario.
    assert!(spread.worst.loss <= 10.0, "{:?}", spread.worst);
    // A delta-hedged short straddle loses on both sides; the long straddle only on the down-vol, no-move side.
    let straddle = |q: f64| {
        [
            put(100.0, 7.0, 0.5, q),
            Leg::Option { kind: OptionKind::Call, strike: 100.0, expiry: 7.0 / 365.0, vol: 0.5, quantity: q },
        ]
    };
    let short = grid.margin(&straddle(-1.0), 100.0, 0.0).unwrap();
    let long = grid.margin(&straddle(1.0), 100.0, 0.0).unwrap();
    assert!(short.initial > 3.0 * long.initial, "short {} long {}", short.initial, long.initial);
    assert_eq!((long.worst.price_move, long.worst.vol_move), (0.0, -0.25));
    // Netting at a strike: a long call offsets a short put there (no contingency), a short call adds to it.
    let offset = [put(100.0, 7.0, 0.5, -1.0), straddle(1.0)[1]];
    close(grid.margin(&offset, 100.0, 0.0).unwrap().short_option, 0.0, "offset at the strike");
    close(short.short_option, 2.0, "two short options");
}

#[test]
fn span_floors_the_scan_with_the_short_option_minimum_and_charges_net_delta() {
    // A far out-of-the-money short call: little scan risk, so the minimum (2% of 100 per option) binds.
    let far = [Leg::Option { kind: OptionKind::Call, strike: 200.0, expiry: 0.1, vol: 0.3, quantity: -1.0 }];
    let m = span(0.1, 0.25, 0.02).margin(&far, 100.0, 0.0).unwrap();
    assert!(m.worst.loss < 0.01, "{:?}", m.worst);
    close(m.initial, 2.0, "short option minimum");
    let mut charged = span(0.1, 0.25, 0.0);
    charged.net_delta_charge = 0.05;
    let m = charged.margin(&[Leg::Linear { quantity: -3.0 }], 100.0, 0.0).unwrap();
    close(m.net_delta, 15.0, "net delta charge");
    close(m.initial, 30.0 + 15.0, "scan plus delta");
    assert_eq!(span(0.1, 0.25, 0.0).price_moves.len() * 2 + 2, 16, "SPAN's 16 scenarios");
}

#[test]
fn expired_options_are_worth_their_payoff_and_bad_grids_are_refused() {
    let expired = [put(90.0, 0.0, 0.6, -1.0)];
    let m = deribit().margin(&expired, 100.0, 0.0).unwrap();
    close(m.worst.loss, 0.35 * (90.0 - 34.0), "expired put at -66%");
    let mut bad = deribit();
    bad.price_moves.push(-1.5);
    assert!(matches!(bad.margin(&expired, 100.0, 0.0), Err(OptionError::Input { name: "price move", .. })));
    let mut bad = deribit();
    bad.maintenance_ratio = 1.2;
    assert!(bad.validate().is_err());
    assert!(deribit().margin(&expired, f64::NAN, 0.0).is_err());
}
