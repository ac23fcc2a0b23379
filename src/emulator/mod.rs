//! The reference phone. Reads `spec` (the manual as data), never `check`.
//!
//! Contract used by `run`, `fuzz` and the tests (the emulator module must keep it):
//!
//! ```ignore
//! let emu = Emulator::start(EmulatorConfig::new(profile)).await?;
//! emu.url();          // "http://127.0.0.1:PORT" (or https://)
//! emu.fingerprint();  // Some(SHA-256 hex) when TLS
//! emu.set_faults(vec![..]); // switch faults at run time
//! emu.stop().await;
//! ```

pub mod command;
