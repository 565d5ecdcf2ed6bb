//! A websocket text frame: bytes (lossily as UTF-8) to `message::parse`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanqr::message::{self, Message};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(Message::Qr(png)) = message::parse(&text) {
        // Base64 never decodes to more bytes than it has characters.
        assert!(png.len() <= text.len());
    }
    if let Ok(bytes) = message::decode_base64(&text) {
        assert!(!bytes.is_empty() && bytes.len() <= text.len());
    }
});
