//! What each surface shows, projected from the model: the tray (its state,
//! words and picture), its menu as data, the window's questions and the
//! app's configuration, and the [`frame::Frame`] that holds them all. Above
//! the model ([`crate::view`]), the notifier and the settings; nothing below
//! imports it.

pub mod app_info;
pub mod ask;
pub mod frame;
pub mod menu;
pub mod tray;
pub mod tray_icon;

#[cfg(test)]
pub(crate) mod fixtures;

pub use app_info::{AppInfo, Mode};
pub use ask::{Ask, Question};
pub use frame::{AlarmFrame, Frame, TrayFrame, WindowFrame};
pub use menu::Entry;
pub use tray::{Dnd, Quietness, TrayState, TrayView};
