//! The QR pictures of `qrCode` frames. The default is the one GREEN-API
//! sends; the others are the shapes a client should read as well.

mod deflate;
mod encode;
mod resample;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use qrcode::{Color, EcLevel, QrCode};

use resample::Grid;

/// Which picture `qrCode` frames carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Picture {
    /// What GREEN-API sends (node-qrcode through pngjs): 8-bit RGBA, only
    /// #000000FF and #FFFFFFFF, 4 px per module, a 4-module border, level M,
    /// the smallest version that holds the payload (version 11, 276x276 px, for
    /// the usual pairing string), filtered per row and compressed like zlib's
    /// `Z_RLE` (`78 01`), in a 2-byte IDAT and one large IDAT.
    #[default]
    GreenApi,
    /// 264x264 8-bit grayscale, a 2-module border, modules scaled by a
    /// non-integer factor with nearest-neighbour sampling.
    Gray,
    /// 264x264 8-bit RGB, a 2-module border, scaled bilinearly (grey edges).
    Rgb264Bilinear,
    /// 300x300 8-bit RGB, a 2-module border, scaled bicubically (softer edges).
    Rgb300Bicubic,
}

impl Picture {
    pub const ALL: [Picture; 4] = [Picture::GreenApi, Picture::Gray, Picture::Rgb264Bilinear, Picture::Rgb300Bicubic];

    /// Its name for `--picture`.
    pub fn name(self) -> &'static str {
        match self {
            Picture::GreenApi => "greenapi",
            Picture::Gray => "gray",
            Picture::Rgb264Bilinear => "rgb264",
            Picture::Rgb300Bicubic => "rgb300",
        }
    }

    pub fn from_name(name: &str) -> Option<Picture> {
        Picture::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Pixels per module and border modules of GREEN-API's picture.
const GREEN_API_SCALE: usize = 4;
const GREEN_API_BORDER: usize = 4;
/// Border modules of the resampled pictures.
const RESAMPLED_BORDER: usize = 2;
/// Modules of the code drawn blank when a payload fits no QR version (that of version 11).
const BLANK_MODULES: usize = 61;

/// `picture` of the QR code of `payload`, as PNG bytes. Never panics: a
/// payload too long for any QR version gives a blank white picture.
pub fn picture_png(picture: Picture, payload: &str) -> Vec<u8> {
    match picture {
        Picture::GreenApi => {
            let grid = grid(payload, GREEN_API_BORDER);
            let side = grid.side * GREEN_API_SCALE;
            let mut rgba = Vec::with_capacity(side * side * 4);
            for y in 0..side {
                let row = &grid.luma[(y / GREEN_API_SCALE) * grid.side..][..grid.side];
                for x in 0..side {
                    let luma = row[x / GREEN_API_SCALE];
                    rgba.extend([luma, luma, luma, 255]);
                }
            }
            encode::pngjs_rgba(side as u32, side as u32, &rgba)
        }
        Picture::Gray => {
            let pixels = resample::nearest(&grid(payload, RESAMPLED_BORDER), 264);
            encode::plain(264, 264, png::ColorType::Grayscale, &pixels)
        }
        Picture::Rgb264Bilinear => rgb(264, &resample::bilinear(&grid(payload, RESAMPLED_BORDER), 264)),
        Picture::Rgb300Bicubic => rgb(300, &resample::bicubic(&grid(payload, RESAMPLED_BORDER), 300)),
    }
}

/// The default picture (GREEN-API's) of `payload`.
pub fn qr_png(payload: &str) -> Vec<u8> {
    picture_png(Picture::default(), payload)
}

/// A base64 PNG ready for a `qrCode` frame's `message`.
pub(crate) fn png_base64(picture: Picture, payload: &str) -> String {
    STANDARD.encode(picture_png(picture, payload))
}

fn rgb(side: u32, luma: &[u8]) -> Vec<u8> {
    let pixels: Vec<u8> = luma.iter().flat_map(|&l| [l, l, l]).collect();
    encode::plain(side, side, png::ColorType::Rgb, &pixels)
}

/// The modules of `payload`'s code at level M (L if M cannot hold it), black 0
/// and white 255, with `border` white modules around.
fn grid(payload: &str, border: usize) -> Grid {
    let code = QrCode::with_error_correction_level(payload, EcLevel::M)
        .or_else(|_| QrCode::with_error_correction_level(payload, EcLevel::L));
    let Ok(code) = code else {
        let side = BLANK_MODULES + 2 * border;
        return Grid { side, luma: vec![255; side * side] };
    };
    let width = code.width();
    let colors = code.to_colors();
    let side = width + 2 * border;
    let mut luma = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            luma[(i / width + border) * side + i % width + border] = 0;
        }
    }
    Grid { side, luma }
}
