use super::*;
use crate::Simulation;
use crate::output::FileSink;
use crate::recorder::Recording;
use arrow_array::{Array, BooleanArray, Float64Array, StringArray, UInt64Array};
use arrow_schema::DataType;

const CRASH: &str = "(name: \"frames\", ticks: 150, shocks: [(at: 40, kind: PriceGap(change: -0.25))])";

/// Runs `text` with every row kept, and again streaming to files; returns the kept rows and the files' directory.
fn run_both(text: &str) -> (Rows, tempfile::TempDir) {
    let scenario = cascade_scenario::load_str("frames.ron", text).unwrap();
    let mut kept = Simulation::new(&scenario, 5).unwrap();
    kept.run(|_, _| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sink = FileSink::create(dir.path()).unwrap();
    let mut streamed = Simulation::with_recording(&scenario, 5, Recording::Stream(Box::new(sink))).unwrap();
    streamed.run(|_, _| {}).unwrap();
    drop(streamed);
    (kept.kept().unwrap().clone(), dir)
}

/// Every cell of `batch` is the CSV file's cell read as its column's type (decimals to the nearest double).
fn assert_matches_csv(batch: &RecordBatch, path: &std::path::Path) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let names: Vec<String> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(names, header, "{}", path.display());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(batch.num_rows(), rows.len(), "{}", path.display());
    for (c, column) in batch.columns().iter().enumerate() {
        for (r, row) in rows.iter().enumerate() {
            let cell = &row[c];
            let at = format!("{} row {r} column {}", path.display(), header[c]);
            if cell.is_empty() {
                assert!(column.is_null(r), "{at}: expected null");
                continue;
            }
            let any = column.as_any();
            match column.data_type() {
                DataType::UInt64 => {
                    let value = any.downcast_ref::<UInt64Array>().unwrap().value(r);
                    assert_eq!(value, cell.parse::<u64>().unwrap(), "{at}");
                }
                DataType::Float64 => {
                    let value = any.downcast_ref::<Float64Array>().unwrap().value(r);
                    assert_eq!(value.to_bits(), cell.parse::<f64>().unwrap().to_bits(), "{at}: {cell}");
                }
                DataType::Boolean => {
                    let value = any.downcast_ref::<BooleanArray>().unwrap().value(r);
                    assert_eq!(value, cell.parse::<bool>().unwrap(), "{at}");
                }
                DataType::Utf8 => assert_eq!(any.downcast_ref::<StringArray>().unwrap().value(r), cell, "{at}"),
                other => panic!("{at}: unexpected type {other}"),
            }
        }
    }
}

#[test]
fn the_tables_hold_what_the_csv_files_hold_cell_for_cell() {
    let (rows, dir) = run_both(CRASH);
    let frames = frames(&rows, 1, Money::Float, false).unwrap();
    assert!(frames.events.num_rows() > 10, "the crash liquidates: {}", frames.events.num_rows());
    assert_matches_csv(&frames.timeseries, &dir.path().join("timeseries.csv"));
    assert_matches_csv(&frames.events, &dir.path().join("events.csv"));
    assert_eq!(frames.markets.num_rows(), 150, "one row per instrument and tick");
    let schema = frames.timeseries.schema();
    let kind = |name: &str| schema.field_with_name(name).unwrap().data_type().clone();
    assert_eq!(kind("tick"), DataType::UInt64);
    assert_eq!(kind("mark"), DataType::Float64, "money as the nearest double");
    assert_eq!(kind("oracle_stale"), DataType::Boolean);
}

#[test]
fn several_instruments_give_the_venue_rows_and_one_row_per_instrument_and_tick() {
    let text = "(name: \"two\", ticks: 60, other_markets: [(market: (symbol: \"ETH-PERP\", tick_size: 0.01, lot_size: 0.01, initial_price: 2000))])";
    let (rows, dir) = run_both(text);
    let frames = frames(&rows, 2, Money::Float, false).unwrap();
    assert_matches_csv(&frames.timeseries, &dir.path().join("timeseries.csv"));
    assert_matches_csv(&frames.markets, &dir.path().join("markets.csv"));
    assert_eq!(frames.markets.num_rows(), 120);
}

#[test]
fn exact_money_is_the_decimal_as_written() {
    let (rows, dir) = run_both(CRASH);
    let frames = frames(&rows, 1, Money::Exact, false).unwrap();
    assert_matches_csv(&frames.timeseries, &dir.path().join("timeseries.csv"));
    assert_matches_csv(&frames.events, &dir.path().join("events.csv"));
    let schema = frames.timeseries.schema();
    assert_eq!(schema.field_with_name("insurance_fund").unwrap().data_type(), &DataType::Utf8);
    assert_eq!(schema.field_with_name("reference").unwrap().data_type(), &DataType::Float64, "a statistic stays f64");
}

#[test]
fn a_column_has_the_same_type_whatever_the_data() {
    let empty = batch::<Event>(&[], &Event::new(0, EventKind::ShockStart, ""), Money::Float).unwrap();
    let full = Event {
        market: Some("BTC-PERP".into()),
        account: Some(7),
        quantity: Some(Decimal::ONE),
        unfilled: Some(Decimal::ONE),
        mark_price: Some(Decimal::ONE),
        bankruptcy_price: Some(Decimal::ONE),
        average_price: Some(Decimal::ONE),
        notional: Some(Decimal::ONE),
        book_quantity: Some(Decimal::ONE),
        backstop_quantity: Some(Decimal::ONE),
        deleveraged_quantity: Some(Decimal::ONE),
        fee: Some(Decimal::ONE),
        liquidator_fee: Some(Decimal::ONE),
        shortfall: Some(Decimal::ONE),
        insurance_paid: Some(Decimal::ONE),
        socialized: Some(Decimal::ONE),
        bad_debt: Some(Decimal::ONE),
        loss: Some(Decimal::ONE),
        profit: Some(Decimal::ONE),
        leverage: Some(Decimal::ONE),
        magnitude: Some(0.5),
        ..Event::new(3, EventKind::Liquidation, "long")
    };
    let filled = batch(&[full], &Event::new(0, EventKind::ShockStart, ""), Money::Float).unwrap();
    assert_eq!(empty.schema(), filled.schema());
    assert_eq!(empty.num_rows(), 0);
    let ticks = batch::<TickRecord>(&[], &TickRecord::default(), Money::Float).unwrap();
    assert_eq!(ticks.num_columns(), 16);
    let none = frames(&Rows::default(), 1, Money::Float, false).unwrap();
    assert_eq!(none.timeseries.num_columns(), 29, "a world of one instrument before its first tick");
    assert_eq!(frames(&Rows::default(), 2, Money::Float, false).unwrap().timeseries.num_columns(), 16);
}

#[test]
fn a_name_field_unknown_to_the_table_is_an_error_not_a_silent_number() {
    #[derive(Serialize)]
    struct Odd {
        label: String,
    }
    let err = batch(&[Odd { label: "BTC".into() }], &Odd { label: String::new() }, Money::Float).unwrap_err();
    assert!(err.to_string().contains("column label: `BTC` is not a decimal"), "{err}");
}
