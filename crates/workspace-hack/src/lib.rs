//! Empty: the crate exists for its dependencies' features (see its Cargo.toml).
