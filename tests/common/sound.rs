//! A PulseAudio server of the test's own, recorded.

use std::path::PathBuf;

/// A PulseAudio server of the test's own (its own socket, so nothing else
/// plays into it) with one null sink, recorded from its monitor: what the
/// app sends to "the OS's default output", as samples the test can read.
pub struct Pulse {
    server: std::process::Child,
    recorder: Option<std::process::Child>,
    dir: tempfile::TempDir,
}

/// The recording's rate (mono, signed 16 bit).
pub const PULSE_RATE: u32 = 44_100;

impl Pulse {
    /// `PULSE_SERVER` for the app (ALSA's pulse plugin and libpulse both follow it).
    pub fn address(&self) -> String {
        format!("unix:{}", self.dir.path().join("native").display())
    }

    pub fn start() -> Pulse {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("native");
        let server = std::process::Command::new("pulseaudio")
            .args(["-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "--disable-shm=yes", "-L"])
            .arg(format!("module-native-protocol-unix socket={} auth-anonymous=1", socket.display()))
            .args(["-L", "module-null-sink sink_name=rec"])
            .env("HOME", dir.path())
            .env("PULSE_RUNTIME_PATH", dir.path())
            // Each server claims org.PulseAudio1 on the session bus, and a
            // second one there exits ("already taken"): two tests that each
            // start one at once (the page, Do Not Disturb, doctor) would race.
            // Clients reach it by its socket; it needs no bus.
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/ilert-test-bus")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("pulseaudio (package pulseaudio)");
        let mut pulse = Pulse { server, recorder: None, dir };
        for _ in 0..100 {
            let info = std::process::Command::new("pactl").arg(format!("--server={}", pulse.address())).arg("info").output();
            if info.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("Default Sink: rec")) {
                pulse.record();
                return pulse;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("pulseaudio did not come up");
    }

    fn record(&mut self) {
        let file = std::fs::File::create(self.dir.path().join("rec.raw")).unwrap();
        let child = std::process::Command::new("parec")
            .arg(format!("--server={}", self.address()))
            .args(["-d", "rec.monitor", "--raw", "--format=s16le", "--channels=1", "--latency-msec=10"])
            .arg(format!("--rate={PULSE_RATE}"))
            .stdout(file)
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("parec (package pulseaudio-utils)");
        self.recorder = Some(child);
    }

    fn raw(&self) -> PathBuf {
        self.dir.path().join("rec.raw")
    }

    /// The recording, and the Unix time of its first sample. The monitor
    /// hands over its buffered past when recording starts, so the time is
    /// counted back from now (samples arrive within parec's 10 ms latency).
    fn samples(&self) -> (Vec<u8>, f64) {
        let bytes = std::fs::read(self.raw()).unwrap_or_default();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
        let start = now - bytes.len() as f64 / 2.0 / f64::from(PULSE_RATE);
        (bytes, start)
    }

    /// The recording so far: the times (Unix seconds) of each sound, as
    /// (start, end), where 10 ms windows louder than silence are; gaps
    /// under 0.3 s (the notes of one ring) are bridged.
    pub fn sounds(&self) -> Vec<(f64, f64)> {
        let (bytes, since) = self.samples();
        let window = (PULSE_RATE / 100) as usize;
        let mut out: Vec<(f64, f64)> = Vec::new();
        for (i, chunk) in bytes.chunks_exact(2 * window).enumerate() {
            let sum: f64 = chunk.chunks_exact(2).map(|s| f64::from(i16::from_le_bytes([s[0], s[1]])).powi(2)).sum();
            let rms = (sum / window as f64).sqrt() / 32768.0;
            if rms < 0.005 {
                continue;
            }
            let (t0, t1) = (since + i as f64 * 0.01, since + (i + 1) as f64 * 0.01);
            match out.last_mut() {
                Some(last) if t0 - last.1 < 0.3 => last.1 = t1,
                _ => out.push((t0, t1)),
            }
        }
        out
    }

    /// The RMS amplitude sox measures (`sox … stat`) over one sound.
    pub fn rms(&self, (start, end): (f64, f64)) -> f64 {
        let since = self.samples().1;
        let out = std::process::Command::new("sox")
            .args(["-t", "raw", "-r", &PULSE_RATE.to_string(), "-e", "signed", "-b", "16", "-c", "1"])
            .arg(self.raw())
            .args(["-n", "trim", &format!("{:.3}", start - since), &format!("{:.3}", end - start), "stat"])
            .output()
            .expect("sox (package sox)");
        let text = String::from_utf8_lossy(&out.stderr);
        let line = text.lines().find(|l| l.starts_with("RMS     amplitude:")).unwrap_or_else(|| panic!("sox stat: {text}"));
        line.split(':').nth(1).unwrap().trim().parse().unwrap()
    }
}

impl Drop for Pulse {
    fn drop(&mut self) {
        if let Some(mut r) = self.recorder.take() {
            let _ = r.kill();
            let _ = r.wait();
        }
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}
