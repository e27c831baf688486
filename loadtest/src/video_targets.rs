//! The servers the video benchmark drives, behind one interface: open (log in, create a session),
//! add a class (signalling for all of its participants; the media then flows in the engine), read
//! the server's own forwarded-packet counter, close. `direct` has no server: each class's teacher
//! offers its tracks straight to one str0m receiver in the same engine, which gives the latency
//! floor of the generator (its sockets, str0m and the loopback path, one hop instead of two).

use reqwest::Method;

use crate::video::{VideoOptions, VideoTarget};
use crate::video_class::{Line, Profile, accept_answer, answer, offer};
use crate::video_engine::Engine;
use crate::video_hub::Hub;
use crate::video_janus::Janus;
use crate::video_peer::TrackSpec;
use crate::video_schulhof::Schulhof;

pub enum Backend {
    Janus(Janus),
    Schulhof(Box<Schulhof>),
    Direct { bind: std::net::IpAddr },
}

impl Backend {
    pub async fn open(options: &VideoOptions) -> Result<Backend, String> {
        match options.target {
            VideoTarget::Janus => {
                Ok(Backend::Janus(Janus::connect(&options.server, options.bind_ip).await?))
            }
            VideoTarget::Schulhof => {
                Ok(Backend::Schulhof(Box::new(Schulhof::open(options).await?)))
            }
            VideoTarget::Direct => Ok(Backend::Direct { bind: options.bind_ip }),
        }
    }

    /// Sets up one class; what it returns (hub connections) must live while the class runs.
    pub async fn add_class(
        &self,
        engine: &Engine,
        class: usize,
        profile: Profile,
    ) -> Result<Vec<Hub>, String> {
        match self {
            Backend::Janus(janus) => {
                let bind = janus.bind_ip();
                crate::video_janus::setup_class(janus, engine, bind, class, profile).await?;
                Ok(Vec::new())
            }
            Backend::Schulhof(schulhof) => schulhof.add_class(engine, class, profile).await,
            Backend::Direct { bind } => {
                direct_class(engine, *bind).await?;
                Ok(Vec::new())
            }
        }
    }

    /// The server's count of forwarded packets (schulhof's `/metrics`), if it has one.
    pub async fn forwarded_metric(&self) -> Option<f64> {
        match self {
            Backend::Schulhof(schulhof) => schulhof.forwarded_metric().await,
            Backend::Janus(_) | Backend::Direct { .. } => None,
        }
    }

    pub async fn close(self) {
        match self {
            Backend::Janus(janus) => janus.close().await,
            Backend::Schulhof(_) | Backend::Direct { .. } => {}
        }
    }
}

/// A teacher publishing straight to one receiver: audio and the three layers, each received once.
async fn direct_class(engine: &Engine, bind: std::net::IpAddr) -> Result<(), String> {
    let (sender, _) = engine.create(bind, false).await?;
    let (receiver, _) = engine.create(bind, false).await?;
    let made = offer(engine, sender, vec![Line::SendAudio, Line::SendCamera]).await?;
    let answer_sdp = answer(engine, receiver, made.sdp).await?;
    accept_answer(engine, sender, made.pending, answer_sdp).await?;
    let [audio, video] = made.mids[..] else { return Err("direct mids".into()) };
    let profile =
        Profile { layers: crate::video_media::LayerChoice::Mix, talkers: 0, observers: 0 };
    let tracks: Vec<TrackSpec> = profile
        .teacher_tracks(audio, video)
        .into_iter()
        .map(|track| TrackSpec { receivers: 1, ..track })
        .collect();
    engine.publish(sender, tracks)
}

/// `schulhof_video_forwarded_packets_total` summed over its label sets, from a Prometheus text page.
pub fn parse_forwarded(page: &str) -> Option<f64> {
    let mut total = None;
    for line in page.lines() {
        let Some(rest) = line.strip_prefix("schulhof_video_forwarded_packets_total") else {
            continue;
        };
        if !(rest.starts_with(' ') || rest.starts_with('{')) {
            continue;
        }
        let value = rest.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok());
        if let Some(value) = value {
            total = Some(total.unwrap_or(0.0) + value);
        }
    }
    total
}

/// Fetches a metrics page and sums the forwarded counter.
pub async fn fetch_forwarded(http: &reqwest::Client, url: &str) -> Option<f64> {
    let response = http.request(Method::GET, url).send().await.ok()?;
    parse_forwarded(&response.text().await.ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forwarded_counter_is_summed_over_labels() {
        let page = "# HELP schulhof_video_forwarded_packets_total Packets.\n\
            # TYPE schulhof_video_forwarded_packets_total counter\n\
            schulhof_video_forwarded_packets_total{node=\"a\",kind=\"audio\"} 10\n\
            schulhof_video_forwarded_packets_total{node=\"a\",kind=\"video\"} 32.0\n\
            schulhof_video_forwarded_packets_total_created 1.7e9\n\
            other 5\n";
        assert_eq!(parse_forwarded(page), Some(42.0));
        assert_eq!(parse_forwarded("schulhof_video_forwarded_packets_total 7\n"), Some(7.0));
        assert_eq!(parse_forwarded("nothing 1\n"), None);
    }
}
