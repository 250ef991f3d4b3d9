//! Plays a page's alarm through the OS's default output (rodio): the
//! shipped sound (`sounds/alarm.wav`, made by `sounds/make-alarm`), again
//! every [`PERIOD`], louder each time as the `alarm` setting's ramp says,
//! until the notifier has no page ringing. Which pages ring is decided in
//! `ilert_app::notify`; this only plays what the frame says ([`play`]).
//!
//! The output stream is opened when the alarm starts and closed when it
//! stops: an open stream keeps the sound server (and this process) awake.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Mutex;
use std::time::Duration;

use ilert_app::notify::alarm::AlarmRamp;
use ilert_app::surface::AlarmFrame;
use tauri::{AppHandle, Manager, Runtime};

const SOUND: &[u8] = include_bytes!("sounds/alarm.wav");
/// From one start of the sound to the next (the sound is 0.7 s).
const PERIOD: Duration = Duration::from_millis(2000);

enum Command {
    Ring(AlarmRamp),
    Stop,
}

/// The player's thread.
pub struct Alarm {
    tx: Mutex<Sender<Command>>,
}

/// Starts the player's thread; it sleeps in `recv` while nothing rings.
pub fn init<R: Runtime>(handle: &AppHandle<R>) {
    let (tx, rx) = mpsc::channel::<Command>();
    let spawned = std::thread::Builder::new().name("alarm".into()).spawn(move || {
        while let Ok(command) = rx.recv() {
            if let Command::Ring(ramp) = command {
                ring(ramp, &rx);
            }
        }
    });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no thread for the alarm; pages will not sound");
    }
    handle.manage(Alarm { tx: Mutex::new(tx) });
}

/// Rings until told to stop; a sound device that cannot be opened is a
/// log line (the page's notification is still critical and stays).
fn ring(ramp: AlarmRamp, rx: &mpsc::Receiver<Command>) {
    let _span = tracing::info_span!("alarm.ring", ?ramp).entered();
    let stream = match rodio::OutputStreamBuilder::open_default_stream() {
        Ok(mut s) => {
            s.log_on_drop(false);
            s
        }
        Err(e) => {
            tracing::warn!(error = %e, "no sound output; the alarm is silent");
            // Wait for the stop, so a later page tries again.
            while let Ok(Command::Ring(_)) = rx.recv() {}
            return;
        }
    };
    let sink = rodio::Sink::connect_new(stream.mixer());
    let mut ramp = ramp;
    for n in 0u32.. {
        if let Err(e) = sound_once(&sink, ramp, n) {
            tracing::warn!(error = %e, "the alarm sound does not decode");
        }
        match rx.recv_timeout(PERIOD) {
            Ok(Command::Ring(r)) => ramp = r,
            Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
    sink.stop();
    tracing::info!("alarm stopped");
}

/// Repetition `n` of the ramp.
fn sound_once(sink: &rodio::Sink, ramp: AlarmRamp, n: u32) -> Result<(), rodio::decoder::DecoderError> {
    let sound = rodio::Decoder::new(std::io::Cursor::new(SOUND))?;
    sink.set_volume(ramp.volume(n));
    sink.append(sound);
    tracing::info!(repetition = n + 1, volume = ramp.volume(n), "alarm sounds");
    Ok(())
}

/// "Will it ring?"'s test: the configured ramp for `length` through the
/// default output, on this thread, as a page would start it.
pub fn try_out(ramp: AlarmRamp, length: Duration) -> Result<(), String> {
    if !ramp.sounds() {
        return Err("the alarm is off: nothing played".into());
    }
    let _span = tracing::info_span!("alarm.try_out", ?ramp).entered();
    let mut stream = rodio::OutputStreamBuilder::open_default_stream().map_err(|e| format!("no sound output: {e}"))?;
    stream.log_on_drop(false);
    let sink = rodio::Sink::connect_new(stream.mixer());
    let end = std::time::Instant::now() + length;
    for n in 0u32.. {
        sound_once(&sink, ramp, n).map_err(|e| format!("the alarm sound does not decode: {e}"))?;
        let left = end.saturating_duration_since(std::time::Instant::now());
        if left <= PERIOD {
            std::thread::sleep(left);
            break;
        }
        std::thread::sleep(PERIOD);
    }
    sink.stop();
    Ok(())
}

/// Plays what the frame says: rings while a page rings (a new ramp is
/// taken at the next repetition), stops when none does.
pub fn play<R: Runtime>(handle: &AppHandle<R>, frame: &AlarmFrame) {
    let Some(alarm) = handle.try_state::<Alarm>() else { return };
    let command = if frame.ringing.is_empty() { Command::Stop } else { Command::Ring(frame.ramp) };
    let _ = alarm.tx.lock().unwrap_or_else(|e| e.into_inner()).send(command);
}
