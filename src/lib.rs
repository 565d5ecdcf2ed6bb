//! scanqr: log a GREEN-API WhatsApp instance in by QR code or pairing code.
//!
//! `main.rs` only calls [`app::main`]; see ARCHITECTURE.md for the map.
#![deny(unsafe_code)]

pub mod app;
pub mod cli;
pub mod config;
pub mod draw;
pub mod error;
pub mod files;
pub mod hooks;
pub mod image;
pub mod instance;
pub mod message;
pub mod net;
pub mod outcome;
pub mod pairing;
pub mod qr;
pub mod report;
pub mod secret;
pub mod session;
pub mod signal;
pub mod sys;
pub mod url;

pub use error::Error;
