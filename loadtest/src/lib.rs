//! The load generator and benchmarks: a seeded profile generates a school, populates a running
//! server, runs a scenario (idle footprint, one lesson, 08:00 storm, …) against it and a named peer
//! in the same run, and reports JSON lines. Nothing is implemented here yet; the first benchmark
//! arrives with the real-time hub.
