//! A run's rows as Arrow record batches: the tables the Python module hands to polars, with the columns, names and
//! values of the CSV files `cascade run` writes.
//!
//! Columns are typed from the records' Rust types through serde, in field order: counts (`u64`, `u32`) are UInt64,
//! statistics (`f64`) Float64, flags Boolean, names and kinds Utf8. Exact decimals (money, prices, quantities,
//! fractions) become, as [`Money`] asks, Float64 (the double nearest the decimal, as a CSV reader parses the written
//! figure: the one boundary where money leaves the exact ledger for statistics) or Utf8 holding the exact decimal
//! as written. Empty optional values are nulls. A column's type never depends on the data: one of a run without
//! liquidations has the type it has in a run with them.

use crate::output::SoleMarketRow;
use crate::record::{Event, EventKind, MarketTick, TickRecord};
use crate::recorder::Rows;
use arrow_array::{ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, UInt64Array};
use arrow_schema::{ArrowError, Field, Schema};
use cascade_core::Decimal;
use serde::Serialize;
use serde::ser::{self, Impossible};
use std::sync::Arc;

/// How exact decimals (money, prices, quantities) are handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Money {
    /// Float64: the double nearest each decimal (what a CSV reader makes of the written figure).
    #[default]
    Float,
    /// Utf8: the exact decimal, as written in the CSV files.
    Exact,
}

/// Why rows could not be turned into a table.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// A record has a field this module cannot type (a bug: a new kind of field in a record).
    #[error("column {column}: {message}")]
    Unsupported {
        /// The field.
        column: String,
        /// What was found.
        message: String,
    },
    /// Arrow refused the columns.
    #[error(transparent)]
    Arrow(#[from] ArrowError),
}

/// The three tables of a run, as `cascade run` writes them.
#[derive(Debug, Clone)]
pub struct Frames {
    /// `timeseries.csv`: one row per tick; in a world of one instrument, the venue's and the instrument's columns
    /// together, else the venue's.
    pub timeseries: RecordBatch,
    /// One row per instrument and tick (`markets.csv`, which the CLI writes only for several instruments).
    pub markets: RecordBatch,
    /// `events.csv`: one row per event (one winner's haircuts only when `haircuts` is asked).
    pub events: RecordBatch,
}

/// The tables of `rows` (the kept rows of a world of `instruments` instruments), decimals as `money` says; haircut
/// events kept only with `haircuts`.
pub fn frames(rows: &Rows, instruments: usize, money: Money, haircuts: bool) -> Result<Frames, FrameError> {
    let timeseries = if instruments == 1 {
        let sole: Vec<SoleMarketRow> =
            rows.by_tick().filter_map(|(t, m)| m.first().map(|m| SoleMarketRow::new(t, m))).collect();
        let template = SoleMarketRow::new(&TickRecord::default(), &MarketTick::default());
        batch(&sole, &template, money)?
    } else {
        batch(&rows.ticks, &TickRecord::default(), money)?
    };
    let events: Vec<&Event> = rows.events.iter().filter(|e| haircuts || e.kind != EventKind::Haircut).collect();
    let template = Event::new(0, EventKind::ShockStart, "");
    Ok(Frames {
        timeseries,
        markets: batch(&rows.markets, &MarketTick::default(), money)?,
        events: batch(&events, &&template, money)?,
    })
}

/// Fields serialized as strings that are names, not decimals.
const TEXT_FIELDS: &[&str] = &["symbol", "detail", "market"];
/// Optional fields that are not decimals, and their kind (a column of nulls takes it, so that its type does not
/// depend on the data).
const OPTIONAL_KINDS: &[(&str, Kind)] = &[("market", Kind::Text), ("account", Kind::Count), ("magnitude", Kind::Float)];

/// A table of `rows`, one column per field of `T` in field order; `template` names the columns (and types those
/// it fills) when there are no rows.
pub fn batch<T: Serialize>(rows: &[T], template: &T, money: Money) -> Result<RecordBatch, FrameError> {
    let mut columns = Vec::new();
    template.serialize(RowSerializer { columns: &mut columns, field: 0, first: true })?;
    columns.iter_mut().for_each(|c| c.cells.clear());
    for row in rows {
        row.serialize(RowSerializer { columns: &mut columns, field: 0, first: false })?;
    }
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) =
        columns.into_iter().map(|c| c.finish(money)).collect::<Result<Vec<_>, _>>()?.into_iter().unzip();
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

/// A column's type, as the records' Rust types give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Count,
    Float,
    Flag,
    Text,
    Decimal,
    /// Only nulls seen so far (an optional field): resolved by [`OPTIONAL_KINDS`], else a decimal.
    Unknown,
}

/// One value.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Count(u64),
    Float(f64),
    Flag(bool),
    /// A string: a name, or a decimal as written.
    Text(String),
    /// A unit enum variant's name (an event's kind).
    Label(String),
}

#[derive(Debug)]
struct Column {
    name: &'static str,
    kind: Kind,
    cells: Vec<Cell>,
}

impl Column {
    fn push(&mut self, cell: Cell) -> Result<(), FrameError> {
        let kind = match &cell {
            Cell::Null => Kind::Unknown,
            Cell::Count(_) => Kind::Count,
            Cell::Float(_) => Kind::Float,
            Cell::Flag(_) => Kind::Flag,
            Cell::Label(_) => Kind::Text,
            Cell::Text(_) if TEXT_FIELDS.contains(&self.name) => Kind::Text,
            Cell::Text(_) => Kind::Decimal,
        };
        if self.kind == Kind::Unknown {
            self.kind = kind;
        } else if kind != Kind::Unknown && kind != self.kind {
            return Err(self.unsupported(format!("a {kind:?} value in a {:?} column", self.kind)));
        }
        self.cells.push(cell);
        Ok(())
    }

    fn unsupported(&self, message: String) -> FrameError {
        FrameError::Unsupported { column: self.name.to_owned(), message }
    }

    fn finish(self, money: Money) -> Result<(Field, ArrayRef), FrameError> {
        let kind = match self.kind {
            Kind::Unknown => OPTIONAL_KINDS.iter().find(|(n, _)| *n == self.name).map_or(Kind::Decimal, |(_, k)| *k),
            kind => kind,
        };
        let cells = self.cells.iter();
        let array: ArrayRef = match (kind, money) {
            (Kind::Count, _) => {
                Arc::new(cells.map(|c| if let Cell::Count(v) = c { Some(*v) } else { None }).collect::<UInt64Array>())
            }
            (Kind::Flag, _) => {
                Arc::new(cells.map(|c| if let Cell::Flag(v) = c { Some(*v) } else { None }).collect::<BooleanArray>())
            }
            (Kind::Float, _) => {
                Arc::new(cells.map(|c| if let Cell::Float(v) = c { Some(*v) } else { None }).collect::<Float64Array>())
            }
            (Kind::Text, _) | (Kind::Decimal | Kind::Unknown, Money::Exact) => Arc::new(
                cells
                    .map(|c| match c {
                        Cell::Text(v) | Cell::Label(v) => Some(v.as_str()),
                        _ => None,
                    })
                    .collect::<StringArray>(),
            ),
            (Kind::Decimal | Kind::Unknown, Money::Float) => {
                let values = cells.map(|cell| match cell {
                    Cell::Text(text) => decimal_to_f64(text).map(Some).ok_or_else(|| {
                        self.unsupported(format!("`{text}` is not a decimal (a name field missing from TEXT_FIELDS?)"))
                    }),
                    _ => Ok(None),
                });
                Arc::new(values.collect::<Result<Float64Array, _>>()?)
            }
        };
        let data_type = array.data_type().clone();
        Ok((Field::new(self.name, data_type, true), array))
    }
}

/// The double nearest the decimal written as `text` (Rust's float parsing rounds correctly, as CSV readers do).
fn decimal_to_f64(text: &str) -> Option<f64> {
    text.parse::<Decimal>().ok()?;
    text.parse::<f64>().ok()
}

/// Serializes one record (a struct) into the columns, one field each.
struct RowSerializer<'a> {
    columns: &'a mut Vec<Column>,
    field: usize,
    /// The template: columns are created, not filled.
    first: bool,
}

fn unsupported(what: &str) -> FrameError {
    FrameError::Unsupported {
        column: String::new(),
        message: format!("a record must be a struct of plain fields, found {what}"),
    }
}

impl ser::Error for FrameError {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        FrameError::Unsupported { column: String::new(), message: message.to_string() }
    }
}

impl<'a> ser::SerializeStruct for RowSerializer<'a> {
    type Ok = ();
    type Error = FrameError;

    fn serialize_field<V: ?Sized + Serialize>(&mut self, key: &'static str, value: &V) -> Result<(), FrameError> {
        let cell = value.serialize(CellSerializer).map_err(|e| match e {
            FrameError::Unsupported { message, .. } => FrameError::Unsupported { column: key.to_owned(), message },
            other => other,
        })?;
        if self.first {
            self.columns.push(Column { name: key, kind: Kind::Unknown, cells: Vec::new() });
        }
        let column = self.columns.get_mut(self.field).filter(|c| c.name == key).ok_or_else(|| {
            FrameError::Unsupported { column: key.to_owned(), message: "not a field of the first record".into() }
        })?;
        column.push(cell)?;
        self.field += 1;
        Ok(())
    }

    fn end(self) -> Result<(), FrameError> {
        Ok(())
    }
}

/// Rejects everything but `serialize_struct` (and references to a struct).
macro_rules! reject {
    ($($method:ident($($arg:ty),*) -> $ok:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ok, FrameError> { Err(unsupported(stringify!($method))) })*
    };
}

impl<'a> ser::Serializer for RowSerializer<'a> {
    type Ok = ();
    type Error = FrameError;
    type SerializeSeq = Impossible<(), FrameError>;
    type SerializeTuple = Impossible<(), FrameError>;
    type SerializeTupleStruct = Impossible<(), FrameError>;
    type SerializeTupleVariant = Impossible<(), FrameError>;
    type SerializeMap = Impossible<(), FrameError>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), FrameError>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, FrameError> {
        Ok(self)
    }

    reject! {
        serialize_bool(bool) -> ();
        serialize_i8(i8) -> ();
        serialize_i16(i16) -> ();
        serialize_i32(i32) -> ();
        serialize_i64(i64) -> ();
        serialize_u8(u8) -> ();
        serialize_u16(u16) -> ();
        serialize_u32(u32) -> ();
        serialize_u64(u64) -> ();
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_char(char) -> ();
        serialize_str(&str) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<V: ?Sized + Serialize>(self, _: &V) -> Result<(), FrameError> {
        Err(unsupported("an option"))
    }

    fn serialize_newtype_struct<V: ?Sized + Serialize>(self, _: &'static str, _: &V) -> Result<(), FrameError> {
        Err(unsupported("a newtype"))
    }

    fn serialize_newtype_variant<V: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> Result<(), FrameError> {
        Err(unsupported("an enum"))
    }
}

/// Serializes one field's value into a [`Cell`].
struct CellSerializer;

impl ser::Serializer for CellSerializer {
    type Ok = Cell;
    type Error = FrameError;
    type SerializeSeq = Impossible<Cell, FrameError>;
    type SerializeTuple = Impossible<Cell, FrameError>;
    type SerializeTupleStruct = Impossible<Cell, FrameError>;
    type SerializeTupleVariant = Impossible<Cell, FrameError>;
    type SerializeMap = Impossible<Cell, FrameError>;
    type SerializeStruct = Impossible<Cell, FrameError>;
    type SerializeStructVariant = Impossible<Cell, FrameError>;

    fn serialize_bool(self, v: bool) -> Result<Cell, FrameError> {
        Ok(Cell::Flag(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Cell, FrameError> {
        Ok(Cell::Count(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Cell, FrameError> {
        Ok(Cell::Count(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Cell, FrameError> {
        Ok(Cell::Count(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Cell, FrameError> {
        Ok(Cell::Count(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Cell, FrameError> {
        Ok(Cell::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Cell, FrameError> {
        Ok(Cell::Float(v))
    }
    fn serialize_str(self, v: &str) -> Result<Cell, FrameError> {
        Ok(Cell::Text(v.to_owned()))
    }
    fn serialize_none(self) -> Result<Cell, FrameError> {
        Ok(Cell::Null)
    }
    fn serialize_some<V: ?Sized + Serialize>(self, value: &V) -> Result<Cell, FrameError> {
        value.serialize(self)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Cell, FrameError> {
        Ok(Cell::Label(variant.to_owned()))
    }
    fn serialize_newtype_struct<V: ?Sized + Serialize>(self, _: &'static str, value: &V) -> Result<Cell, FrameError> {
        value.serialize(self)
    }

    reject! {
        serialize_i8(i8) -> Cell;
        serialize_i16(i16) -> Cell;
        serialize_i32(i32) -> Cell;
        serialize_i64(i64) -> Cell;
        serialize_char(char) -> Cell;
        serialize_bytes(&[u8]) -> Cell;
        serialize_unit() -> Cell;
        serialize_unit_struct(&'static str) -> Cell;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_newtype_variant<V: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> Result<Cell, FrameError> {
        Err(unsupported("an enum with data"))
    }
}

#[cfg(test)]
mod tests;
