//! PNG bytes, checked and decoded. Pure: no I/O.
//!
//! Two ways through a picture, by what the caller needs:
//!
//! - [`check_png`] (`check`): is this a complete, intact PNG? Every chunk's
//!   CRC, the header within [`MAX_SIDE`], the whole image stream inflated to
//!   the size the header implies and every row's filter type, up to `IEND`;
//!   the pixels themselves are never reconstructed. It accepts exactly the
//!   files [`decode_png`] decodes, at a third of the cost: what a session
//!   does with a picture it does not draw, before its file is written.
//! - [`decode_png`] (`decode`, `luma`): the luminance of every pixel, for
//!   reading the QR code out of it to draw. The header is checked before any
//!   pixel data is touched, and the pixels are decoded row by row straight
//!   into the one-byte-per-pixel output: the full RGBA (or RGBA16) frame is
//!   never held, so memory stays at the output plus a few rows whatever
//!   arrives.

mod check;
mod decode;
mod luma;
#[cfg(test)]
mod test_png;

pub use check::{check_png, Header};
pub use decode::decode_png;

/// The largest width or height accepted, checked from the header before decoding.
pub const MAX_SIDE: u32 = 2048;

/// Cap on the decoder's own allocations (row buffers, metadata chunks).
/// The widest legal row (2048 px of RGBA16) needs 16 KiB, so this is generous.
const DECODER_LIMIT_BYTES: usize = 4 * 1024 * 1024;

/// A luminance image, alpha composited over white. Row-major, one byte per pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Gray {
    pub fn header(&self) -> Header {
        Header { width: self.width, height: self.height }
    }

    /// The luminance at (x, y), or white outside the image.
    pub fn get(&self, x: u32, y: u32) -> u8 {
        if x >= self.width || y >= self.height {
            return 255;
        }
        let i = y as usize * self.width as usize + x as usize;
        self.pixels.get(i).copied().unwrap_or(255)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    NotPng,
    FileTooLarge { bytes: usize },
    TooLarge { width: u32, height: u32 },
    Corrupt(String),
}

impl std::fmt::Display for ImageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageError::NotPng => write!(f, "not a PNG image"),
            ImageError::FileTooLarge { bytes } => {
                write!(f, "PNG of {bytes} bytes is over the {} KiB limit", MAX_FILE >> 10)
            }
            ImageError::TooLarge { width, height } => {
                write!(f, "PNG of {width}x{height} pixels is over the {MAX_SIDE}x{MAX_SIDE} limit")
            }
            ImageError::Corrupt(why) => write!(f, "PNG could not be decoded: {why}"),
        }
    }
}

impl std::error::Error for ImageError {}

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

fn corrupt(e: png::DecodingError) -> ImageError {
    ImageError::Corrupt(e.to_string())
}

/// The largest file accepted: what a websocket message of
/// `net::MAX_MESSAGE` (1 MiB) carries as base64, 768 KiB. Checked first,
/// both ways, so that no chunk can reach the decoder's own memory limit.
pub const MAX_FILE: usize = crate::net::MAX_MESSAGE / 4 * 3;

/// The first rules, both ways through a picture: its size and signature.
fn file(bytes: &[u8]) -> Result<(), ImageError> {
    if bytes.len() > MAX_FILE {
        return Err(ImageError::FileTooLarge { bytes: bytes.len() });
    }
    if !bytes.starts_with(&SIGNATURE) {
        return Err(ImageError::NotPng);
    }
    Ok(())
}

/// The header's rules, both ways through a picture: checked as soon as
/// IHDR is read, before any image data.
fn header(width: u32, height: u32) -> Result<(), ImageError> {
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::TooLarge { width, height });
    }
    if width == 0 || height == 0 {
        return Err(ImageError::Corrupt("image has no pixels".into()));
    }
    Ok(())
}

/// What must hold of the chunks before the image data, both ways.
fn before_data(info: &png::Info) -> Result<(), ImageError> {
    // The png crate's reader says so at the first row; the check has no rows.
    if info.color_type == png::ColorType::Indexed && info.palette.is_none() {
        return Err(ImageError::Corrupt("Missing palette of indexed image.".into()));
    }
    // The png crate panics expanding a palette of partial entries (found by fuzzing).
    if info.palette.as_ref().is_some_and(|p| p.len() % 3 != 0) {
        return Err(ImageError::Corrupt("palette length is not a multiple of 3".into()));
    }
    // An APNG's first frame may be smaller than its header: not a QR picture.
    if info.animation_control.is_some() || info.frame_control.is_some() {
        return Err(ImageError::Corrupt("animated PNG (acTL or fcTL chunk)".into()));
    }
    Ok(())
}
