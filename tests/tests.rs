//! End-to-end tests of the `cascade` binary: what a user types, what lands on disk.

#![allow(clippy::unwrap_used)] // tests unwrap: a failure is the test failing

mod calibrate;
mod compare;
mod distributed;
mod facts;
mod fit;
mod golden;
mod option;
mod report;
mod run;
mod sweep;
mod tutorial;
mod util;
mod validate;
