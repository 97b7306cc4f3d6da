//! The HTTP client and the pieces every request shares: TLS trust, timeouts, no redirects,
//! capped bodies with gzip decoding, and `Retry-After` / backoff arithmetic.

use crate::cloud::ENV_TRUSTED_CA;
use crate::error::{Error, ErrorCode, Result};
use rand::Rng;
use reqwest::header::HeaderMap;
use std::io::Read;
use std::time::{Duration, SystemTime};

pub const USER_AGENT: &str = concat!("ExoNative/", env!("CARGO_PKG_VERSION"));
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Token endpoints answer small JSON; anything larger is not a token response.
pub const TOKEN_BODY_CAP: usize = 1024 * 1024;
/// A page of 1000 full mailbox records is about 7 MB; leave room for larger records.
pub const DEFAULT_PAGE_BODY_CAP: usize = 256 * 1024 * 1024;
/// A body that sends nothing for this long is abandoned (and the page retried).
pub const READ_TIMEOUT: Duration = Duration::from_secs(120);
/// Never trust a length the server announces for more than this much up front.
const MAX_PREALLOCATION: usize = 16 * 1024 * 1024;

/// Builds the one client a connection uses. TLS is always verified: the platform roots, plus
/// the certificates of `EXONATIVE_TRUSTED_CA` when set (the sandbox tenant's CA).
pub fn build_client() -> Result<reqwest::Client> {
    build_client_trusting(std::env::var(ENV_TRUSTED_CA).ok())
}

/// [`build_client`] with the extra CA file given by the caller (None or empty: none).
pub fn build_client_trusting(trusted_ca: Option<String>) -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .user_agent(format!("{USER_AGENT} ({})", std::env::consts::OS))
        // Token and managed-identity calls must not follow redirects (a redirect could carry
        // a credential elsewhere); the admin API is not expected to redirect either.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .pool_idle_timeout(Duration::from_secs(60));
    if let Some(path) = trusted_ca.filter(|p| !p.is_empty()) {
        let pem = std::fs::read(&path)
            .map_err(|e| Error::invalid_argument(format!("{ENV_TRUSTED_CA} names '{path}', which cannot be read: {e}")))?;
        for cert in pem_certificates(&pem) {
            let cert = reqwest::Certificate::from_pem(&cert).map_err(|e| {
                Error::invalid_argument(format!("{ENV_TRUSTED_CA}: a certificate in '{path}' is not valid PEM: {e}"))
            })?;
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().map_err(|e| Error::new(ErrorCode::Network, format!("Cannot create the HTTP client: {e}")))
}

/// Splits a PEM bundle into its certificates (reqwest 0.11 takes one at a time).
fn pem_certificates(pem: &[u8]) -> Vec<Vec<u8>> {
    const END: &str = "-----END CERTIFICATE-----";
    let text = String::from_utf8_lossy(pem);
    let mut out = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let Some(end) = rest[start..].find(END) else { break };
        let stop = start + end + END.len();
        out.push(rest[start..stop].as_bytes().to_vec());
        rest = &rest[stop..];
    }
    out
}

/// A response read whole, within a cap.
pub struct Body {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Body {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Reads the body chunk by chunk so a body over `cap` fails early instead of exhausting
/// memory; gzip is decoded here because Debian's reqwest lacks its gzip feature.
pub async fn read_body(mut response: reqwest::Response, cap: usize) -> Result<Body> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let announced = response.content_length().unwrap_or(0).min(cap.min(MAX_PREALLOCATION) as u64);
    let mut bytes = Vec::with_capacity(announced as usize);
    loop {
        let next = tokio::time::timeout(READ_TIMEOUT, response.chunk())
            .await
            .map_err(|_| Error::new(ErrorCode::Timeout, format!("The response stalled for {} s.", READ_TIMEOUT.as_secs())))?;
        let Some(chunk) = next? else { break };
        if bytes.len() + chunk.len() > cap {
            return Err(too_large(cap));
        }
        bytes.extend_from_slice(&chunk);
    }
    let gzip = headers
        .get(reqwest::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map_or(false, |v| v.eq_ignore_ascii_case("gzip"));
    if gzip {
        bytes = gunzip(&bytes, cap)?;
    }
    Ok(Body { status, headers, bytes })
}

fn gunzip(compressed: &[u8], cap: usize) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(compressed.len().saturating_mul(8).min(cap).min(MAX_PREALLOCATION));
    let mut decoder = flate2::read::GzDecoder::new(compressed).take(cap as u64 + 1);
    decoder.read_to_end(&mut out).map_err(|e| {
        Error::new(ErrorCode::MalformedResponse, format!("The response's gzip encoding is damaged: {e}"))
            .with("transient", true)
    })?;
    if out.len() > cap {
        return Err(too_large(cap));
    }
    Ok(out)
}

fn too_large(cap: usize) -> Error {
    Error::new(ErrorCode::ResponseTooLarge, format!("The response is larger than the limit of {cap} bytes."))
}

/// `Retry-After` as seconds or as an HTTP-date; a date in the past means "now".
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        if seconds.is_finite() && seconds >= 0.0 {
            return Some(Duration::from_secs_f64(seconds.min(86_400.0)));
        }
        return None;
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Exponential backoff with "equal jitter": attempt n waits between half and all of
/// min(2^(n-1) s, cap), so clients that failed together do not retry together.
pub fn backoff(attempt: u32, cap: Duration) -> Duration {
    let ceiling = Duration::from_secs(1u64 << attempt.saturating_sub(1).min(16)).min(cap);
    let millis = rand::thread_rng().gen_range(ceiling.as_millis() as u64 / 2..=ceiling.as_millis() as u64);
    Duration::from_millis(millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(30)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for attempt in 1..20 {
            let d = backoff(attempt, Duration::from_secs(8));
            let ceiling = Duration::from_secs(1u64 << (attempt - 1).min(16)).min(Duration::from_secs(8));
            assert!(d <= ceiling && d >= ceiling / 2, "attempt {attempt}: {d:?}");
        }
        assert!(backoff(1, Duration::from_secs(8)) <= Duration::from_secs(1));
    }

    #[test]
    fn pem_bundles_split_into_certificates() {
        let one = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let bundle = format!("junk\n{one}{one}");
        assert_eq!(pem_certificates(bundle.as_bytes()).len(), 2);
        assert!(pem_certificates(b"nothing").is_empty());
    }

    #[test]
    fn gzip_bodies_are_capped_after_decoding() {
        use flate2::{write::GzEncoder, Compression};
        use std::io::Write;
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(&vec![b'a'; 10_000]).unwrap();
        let packed = enc.finish().unwrap();
        assert_eq!(gunzip(&packed, 10_000).unwrap().len(), 10_000);
        assert_eq!(gunzip(&packed, 9_999).unwrap_err().code, ErrorCode::ResponseTooLarge);
    }

    proptest::proptest! {
        #[test]
        fn retry_after_never_panics(s in ".{0,64}") {
            let _ = parse_retry_after(&s, SystemTime::now());
        }
    }
}
