//! The alarm a page rings until somebody answers it: which pages ring is
//! the notifier's ([`super::Notifier::ringing`]); how loud each repetition
//! is, here. The Tauri side plays the sound.

use serde::{Deserialize, Serialize};

/// How the alarm's volume grows with each repetition (the `alarm` setting).
/// A quiet start that grows is easier to bear at a desk and still wakes
/// someone across the room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "camelCase")]
pub enum AlarmRamp {
    /// A quarter of full volume, full by the fourth repetition.
    #[default]
    Rising,
    /// A tenth, full by the tenth repetition.
    Gentle,
    /// Full volume from the first.
    Full,
    /// No sound: pages are still critical notifications that stay.
    Off,
}

impl AlarmRamp {
    /// The volume of repetition `n` (0 the first), 0.0 to 1.0.
    pub fn volume(self, n: u32) -> f32 {
        let grow = |first: f32| (first * (n + 1) as f32).min(1.0);
        match self {
            AlarmRamp::Rising => grow(0.25),
            AlarmRamp::Gentle => grow(0.1),
            AlarmRamp::Full => 1.0,
            AlarmRamp::Off => 0.0,
        }
    }

    pub fn sounds(self) -> bool {
        self != AlarmRamp::Off
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_ramp_grows_to_full_and_stays() {
        assert_eq!([0, 1, 2, 3, 9].map(|n| AlarmRamp::Rising.volume(n)), [0.25, 0.5, 0.75, 1.0, 1.0]);
        assert!((AlarmRamp::Gentle.volume(4) - 0.5).abs() < 1e-6);
        assert_eq!(AlarmRamp::Gentle.volume(20), 1.0);
        assert_eq!(AlarmRamp::Full.volume(0), 1.0);
        assert!(!AlarmRamp::Off.sounds() && AlarmRamp::Off.volume(3) == 0.0);
    }
}
