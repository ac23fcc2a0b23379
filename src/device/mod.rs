//! The client side of one phone: requests out, exchanges back.
//!
//! The main type is [`Device`]: HTTP Basic, TLS trust ([`tls::Trust`]), per-request
//! timeout, the [`gate::Gate`] that keeps one request in flight, and the bound on how much
//! of an answer is read ([`body_limit`]).

pub mod body_limit;
pub mod client;
pub mod exchange;
pub mod gate;
pub mod secret;
pub mod tls;

pub use client::{Credentials, Device, DeviceConfig, DeviceError};
pub use exchange::{Exchange, Outcome, WireRequest, WireResponse};
