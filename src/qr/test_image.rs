//! QR codes made by the independent `qrcode` encoder, and pictures of them
//! in the shape GREEN-API sends, for the unit tests.

use super::Modules;
use crate::image::Gray;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{bits::Bits, ec, Color, EcLevel, QrCode, Version};

/// A pairing string of the length GREEN-API's have (217 characters): the
/// emulator's, the one generator the tests share.
pub(super) fn pairing_string(seed: u64) -> String {
    scanqr_emulator::whatsapp_payload(seed)
}

/// GREEN-API's picture of pairing string `seed` as luminance (version 11 at
/// level M with the encoder's choice of mask, 4 px a module, a 4-module
/// border: 276x276, black on white), and the encoder's module matrix.
pub(super) fn green_api(seed: u64) -> (Gray, Modules) {
    let code = QrCode::with_version(pairing_string(seed), Version::Normal(11), EcLevel::M).unwrap();
    let size = code.width();
    let modules = Modules { size, dark: code.to_colors().iter().map(|&c| c == Color::Dark).collect() };
    (picture(&modules, 4, 4), modules)
}

/// `modules` drawn black on white at `scale` px a module inside a `border`
/// modules wide.
pub(super) fn picture(modules: &Modules, scale: usize, border: usize) -> Gray {
    let side = (modules.size + 2 * border) * scale;
    let pixels = (0..side * side)
        .map(|i| {
            let (x, y) = ((i % side / scale).wrapping_sub(border), (i / side / scale).wrapping_sub(border));
            if modules.get(x, y) {
                0
            } else {
                255
            }
        })
        .collect();
    Gray { width: side as u32, height: side as u32, pixels }
}

/// A code as the encoder draws it with mask pattern `mask`, and its
/// codewords in placement order (data, then error correction, interleaved).
pub(super) struct Encoded {
    pub modules: Modules,
    pub codewords: Vec<u8>,
}

pub(super) fn encode(payload: &str, version: i16, level: EcLevel, mask: u8) -> Encoded {
    let version = Version::Normal(version);
    let mut bits = Bits::new(version);
    bits.push_byte_data(payload.as_bytes()).unwrap();
    bits.push_terminator(level).unwrap();
    let (data, ec) = ec::construct_codewords(&bits.into_bytes(), version, level).unwrap();
    let mut canvas = Canvas::new(version, level);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&data, &ec);
    canvas.apply_mask(MASKS[usize::from(mask)]);
    let colors = canvas.into_colors();
    let size = (colors.len() as f64).sqrt() as usize;
    let modules = Modules { size, dark: colors.iter().map(|&c| c == Color::Dark).collect() };
    Encoded { modules, codewords: [data, ec].concat() }
}

/// The mask patterns by number.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];
