//! Base64-decoded `qrCode` bytes: `check_png` and `decode_png` must accept the
//! same files with the same header; on success `read_modules` and `render`.
//!
//! Each input is tried as it is and with every whole chunk's CRC rewritten,
//! so that mutations get past the checksums into the decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scanqr::image::{check_png, decode_png, Header, MAX_SIDE};
use scanqr::qr::read_modules;
use scanqr::draw::{line_count, render, Style};

fuzz_target!(|data: &[u8]| {
    check(data);
    let mut fixed = data.to_vec();
    fix_crcs(&mut fixed);
    if fixed != data {
        check(&fixed);
    }
});

fn check(data: &[u8]) {
    let decoded = decode_png(data);
    let header = decoded.as_ref().ok().map(|g| Header { width: g.width, height: g.height });
    assert_eq!(check_png(data).ok(), header, "check_png and decode_png disagree: {:?}", decoded.as_ref().err());
    let Ok(gray) = decoded else { return };
    assert!(gray.width >= 1 && gray.width <= MAX_SIDE && gray.height >= 1 && gray.height <= MAX_SIDE);
    assert_eq!(gray.pixels.len(), gray.width as usize * gray.height as usize);
    let Ok(modules) = read_modules(&gray) else { return };
    assert!((21..=177).contains(&modules.size) && (modules.size - 17) % 4 == 0, "size {}", modules.size);
    assert_eq!(modules.dark.len(), modules.size * modules.size);
    for style in [Style { color: true, invert: false }, Style { color: false, invert: true }] {
        let text = render(&modules, style);
        assert_eq!(text.lines().count(), line_count(&modules));
        assert!(text.len() <= line_count(&modules) * ((modules.size + 4) * 3 + 16));
    }
}

/// Rewrite each whole chunk's CRC (the same as `fix_png_crcs` in tests/it/mutate.rs).
fn fix_crcs(png: &mut [u8]) {
    let mut at = 8;
    while let Some(len) = png.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize) {
        let end = match (at + 8).checked_add(len) {
            Some(end) if end + 4 <= png.len() => end,
            _ => return,
        };
        let crc = crc32(&png[at + 4..end]);
        png[end..end + 4].copy_from_slice(&crc.to_be_bytes());
        at = end + 4;
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
