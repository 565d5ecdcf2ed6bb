//! WhatsApp-style pairing strings and their QR codes rendered as PNG, the
//! way GREEN-API sends them in `qrCode` frames.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use qrcode::{Color, EcLevel, QrCode};

/// Side of the square PNG canvas in pixels (GREEN-API's QR images are 264x264).
pub const CANVAS: u32 = 264;

/// Light modules of quiet zone around the code, on each side.
const QUIET_MODULES: usize = 2;

/// A small deterministic generator (SplitMix64): enough for fake key material.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

/// A WhatsApp-style pairing string: `2@<ref>,<noise key>,<identity key>,<adv secret>`,
/// about 230 characters, all base64 parts, different for every `seed` (and the same
/// for the same seed).
pub fn whatsapp_payload(seed: u64) -> String {
    let mut rng = SplitMix(seed ^ 0x005E_ED0F_C0DE);
    let reference = STANDARD.encode(rng.bytes(69)); // 92 characters
    let noise = STANDARD.encode(rng.bytes(32)); // 44 characters each
    let identity = STANDARD.encode(rng.bytes(32));
    let adv = STANDARD.encode(rng.bytes(32));
    format!("2@{reference},{noise},{identity},{adv}")
}

/// The QR code of `payload` as an 8-bit grayscale PNG on a 264x264 canvas: black
/// modules on white, a quiet zone of two modules, modules scaled by a non-integer
/// factor with nearest-neighbour sampling (so edges stay crisp for decoders).
///
/// Never panics: a payload too long for any QR version gives a blank white canvas.
pub fn qr_png(payload: &str) -> Vec<u8> {
    let pixels = qr_pixels(payload).unwrap_or_else(|| vec![255; (CANVAS * CANVAS) as usize]);
    encode_gray_png(CANVAS, CANVAS, &pixels)
}

/// Grayscale pixels (row-major, `CANVAS` x `CANVAS`) of the QR of `payload`.
fn qr_pixels(payload: &str) -> Option<Vec<u8>> {
    let code = QrCode::with_error_correction_level(payload, EcLevel::M)
        .or_else(|_| QrCode::with_error_correction_level(payload, EcLevel::L))
        .ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let total = width + 2 * QUIET_MODULES;
    let side = CANVAS as usize;
    // Module index for each pixel column/row, sampled at the pixel's centre.
    let module_of: Vec<Option<usize>> = (0..side)
        .map(|p| {
            let m = ((2 * p + 1) * total) / (2 * side);
            m.checked_sub(QUIET_MODULES).filter(|&m| m < width)
        })
        .collect();
    let mut pixels = vec![255u8; side * side];
    for (y, row) in pixels.chunks_exact_mut(side).enumerate() {
        let Some(my) = module_of[y] else { continue };
        for (x, px) in row.iter_mut().enumerate() {
            if let Some(mx) = module_of[x] {
                if colors.get(my * width + mx) == Some(&Color::Dark) {
                    *px = 0;
                }
            }
        }
    }
    Some(pixels)
}

/// Encodes 8-bit grayscale pixels as PNG; an (impossible in practice) encoder
/// failure gives an empty vector rather than a panic.
fn encode_gray_png(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let result = (|| -> Result<(), png::EncodingError> {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(pixels)?;
        writer.finish()
    })();
    match result {
        Ok(()) => out,
        Err(_) => Vec::new(),
    }
}

/// A base64 PNG ready for a `qrCode` frame's `message`.
pub(crate) fn qr_png_base64(payload: &str) -> String {
    STANDARD.encode(qr_png(payload))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_shape() {
        let a = whatsapp_payload(1);
        let b = whatsapp_payload(2);
        assert_ne!(a, b);
        assert_eq!(a, whatsapp_payload(1));
        assert!(a.starts_with("2@"));
        assert_eq!(a.split(',').count(), 4);
        assert!((200..=260).contains(&a.len()), "len {}", a.len());
    }

    #[test]
    fn png_is_264_square_gray() {
        let png_bytes = qr_png(&whatsapp_payload(7));
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (CANVAS, CANVAS));
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        let dark = buf.iter().filter(|&&p| p == 0).count();
        assert!(dark > 1000, "too few dark pixels: {dark}");
        // Quiet zone: the first row and column are white.
        assert!(buf[..CANVAS as usize].iter().all(|&p| p == 255));
    }

    #[test]
    fn too_long_payload_gives_blank_png() {
        let long = "x".repeat(10_000);
        assert!(!qr_png(&long).is_empty());
    }
}
