//! scanqr: log a GREEN-API WhatsApp instance in by QR code.
//!
//! `main.rs` only calls [`run`]; see ARCHITECTURE.md for the map.

pub mod cli;
pub mod connect;
pub mod error;
pub mod files;
pub mod hooks;
pub mod http;
pub mod image;
pub mod instance;
pub mod message;
pub mod qr;
pub mod report;
pub mod session;
pub mod signal;
pub mod terminal;
pub mod url;

pub use error::Error;
