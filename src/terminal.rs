//! A module matrix to text for a terminal. Pure: no I/O.

use crate::qr::Modules;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Explicit ANSI colours (black on white); off when NO_COLOR is set.
    pub color: bool,
    /// For light-background terminals without colour: swap dark and light glyphs.
    pub invert: bool,
}

/// Stub: the qr helper replaces this.
pub fn render(_m: &Modules, _style: Style) -> String {
    String::new()
}
