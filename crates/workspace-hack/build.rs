//! Empty: a build script makes cargo resolve the crate's build-dependencies (host-side features).

fn main() {}
