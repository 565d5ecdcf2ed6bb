//! An arbitrary luminance grid of up to 300x300 straight into `read_modules`, then `render`.
//!
//! Input: width and height as little-endian u16 (each taken modulo 301), then
//! the pixels row by row; missing pixels are white, extra bytes are ignored.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanqr::image::Gray;
use scanqr::qr::read_modules;
use scanqr::draw::{line_count, render, Style};

const MAX: u16 = 300;

fuzz_target!(|data: &[u8]| {
    let [w0, w1, h0, h1, rest @ ..] = data else { return };
    let width = u16::from_le_bytes([*w0, *w1]) % (MAX + 1);
    let height = u16::from_le_bytes([*h0, *h1]) % (MAX + 1);
    let n = usize::from(width) * usize::from(height);
    let mut pixels = vec![255u8; n];
    let take = n.min(rest.len());
    pixels[..take].copy_from_slice(&rest[..take]);
    let gray = Gray { width: u32::from(width), height: u32::from(height), pixels };
    let Ok(modules) = read_modules(&gray) else { return };
    assert!((21..=177).contains(&modules.size) && (modules.size - 17) % 4 == 0, "size {}", modules.size);
    assert_eq!(modules.dark.len(), modules.size * modules.size);
    let text = render(&modules, Style { color: false, invert: false });
    assert_eq!(text.lines().count(), line_count(&modules));
    assert!(text.len() <= line_count(&modules) * ((modules.size + 4) * 3 + 16));
});
