//! The tray's picture, drawn from the app icon: the state's badge in colour
//! (Linux and Windows), or, in a macOS menu bar, a template image — black
//! and transparent only, which macOS tints for light and dark bars and for
//! the highlighted item — with the badge as a dot and the state said by the
//! title beside it. Plain RGBA in and out, so it is tested without a display.

use super::TrayState;

/// An RGBA picture, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub rgba: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Where the badge sits: a circle at the lower right, with a ring that
/// keeps it apart from the icon.
fn badge_area(x: u32, y: u32, w: u32, h: u32) -> Option<bool> {
    let (radius, cx, cy) = (w as f32 * 0.22, w as f32 * 0.74, h as f32 * 0.74);
    let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
    if d <= radius {
        Some(true)
    } else if d <= radius * 1.18 {
        Some(false)
    } else {
        None
    }
}

impl Picture {
    /// The icon in colour with the state's badge (none: the icon as it is).
    pub fn badged(&self, state: &TrayState) -> Picture {
        let Some([r, g, b]) = state.badge() else { return self.clone() };
        self.each(|x, y, px| match badge_area(x, y, self.width, self.height) {
            Some(true) => [r, g, b, 255],
            Some(false) => [255, 255, 255, 255],
            None => px,
        })
    }

    /// A macOS template image: the icon's light marks (the sun and the lines
    /// on the blue tile) black, the tile and the background transparent;
    /// with a state to tell, a dot, set off from the glyph by a clear ring.
    pub fn template(&self, state: &TrayState) -> Picture {
        let badge = state.badge().is_some();
        self.each(|x, y, [r, g, b, a]| match badge_area(x, y, self.width, self.height).filter(|_| badge) {
            Some(true) => [0, 0, 0, 255],
            Some(false) => [0, 0, 0, 0],
            // The tile is blue; the marks on it are not.
            None if a > 127 && !(b > r && b > g) => [0, 0, 0, 255],
            None => [0, 0, 0, 0],
        })
    }

    fn each(&self, f: impl Fn(u32, u32, [u8; 4]) -> [u8; 4]) -> Picture {
        let mut rgba = self.rgba.clone();
        for y in 0..self.height {
            for x in 0..self.width {
                let i = ((y * self.width + x) * 4) as usize;
                let px = [rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]];
                rgba[i..i + 4].copy_from_slice(&f(x, y, px));
            }
        }
        Picture { rgba, width: self.width, height: self.height }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A blue tile with one orange pixel at the top left and a transparent corner.
    fn tile() -> Picture {
        let (w, h) = (20, 20);
        let mut rgba = Vec::new();
        for y in 0..h {
            for x in 0..w {
                rgba.extend_from_slice(match (x, y) {
                    (0, 0) => &[0, 0, 0, 0],
                    (2, 2) => &[0xf9, 0x9d, 0x16, 255],
                    _ => &[0x1f, 0x3a, 0x93, 255],
                });
            }
        }
        Picture { rgba, width: w, height: h }
    }

    fn px(p: &Picture, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * p.width + x) * 4) as usize;
        p.rgba[i..i + 4].try_into().unwrap()
    }

    #[test]
    fn a_template_is_black_marks_on_nothing_with_a_dot_for_the_state() {
        let t = tile().template(&TrayState::Pending);
        assert!(t.rgba.chunks(4).all(|p| p[..3] == [0, 0, 0]), "black only: macOS tints it");
        assert_eq!(px(&t, 2, 2), [0, 0, 0, 255], "the mark stays");
        assert_eq!(px(&t, 5, 5)[3], 0, "the tile goes");
        assert_eq!(px(&t, 0, 0)[3], 0, "the background stays clear");
        assert_eq!(px(&t, 15, 15), [0, 0, 0, 255], "the badge is a dot");
        let quiet = tile().template(&TrayState::SignedOut);
        assert_eq!(px(&quiet, 15, 15)[3], 0, "nothing to tell: no dot");
    }

    #[test]
    fn the_colour_icon_carries_the_state_colour() {
        let b = tile().badged(&TrayState::Pending);
        assert_eq!(px(&b, 15, 15), [0xf9, 0x73, 0x16, 255]);
        assert_eq!(px(&b, 2, 2), [0xf9, 0x9d, 0x16, 255], "the rest untouched");
        assert_eq!(tile().badged(&TrayState::Loading), tile());
    }
}
