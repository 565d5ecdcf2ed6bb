//! PNG bytes to a luminance grid. Pure: no I/O.

/// The largest width or height accepted, checked from the header before decoding.
pub const MAX_SIDE: u32 = 2048;

/// A luminance image, alpha composited over white. Row-major, one byte per pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    NotPng,
    TooLarge { width: u32, height: u32 },
    Corrupt(String),
}

impl std::fmt::Display for ImageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageError::NotPng => write!(f, "not a PNG image"),
            ImageError::TooLarge { width, height } => {
                write!(f, "PNG of {width}x{height} pixels is over the {MAX_SIDE}x{MAX_SIDE} limit")
            }
            ImageError::Corrupt(why) => write!(f, "PNG could not be decoded: {why}"),
        }
    }
}

/// Decode a complete PNG into luminance. Stub: the qr helper replaces this.
pub fn decode_png(_bytes: &[u8]) -> Result<Gray, ImageError> {
    Err(ImageError::NotPng)
}
