//! The loopback listener that receives the browser's redirect in interactive sign-in
//! (requirements 7 and 8): 127.0.0.1 only, an OS-chosen port, one redirect, a header-read
//! timeout, a size cap, HTML-escaped pages, and closed on every way out (dropping it closes
//! the socket, which is what cancellation does).

use crate::error::{Error, ErrorCode, Result};
use crate::secret::Secret;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A redirect with a code is about 2 KB; anything much larger is not one.
pub const REQUEST_CAP: usize = 16 * 1024;
/// Time a connection gets to send its request head (browsers' speculative connections send
/// nothing and are dropped after it).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Time the user gets to finish signing in.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Connections read at once; more are closed at once.
const MAX_PENDING: usize = 8;
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Loopback {
    listener: TcpListener,
    port: u16,
}

impl std::fmt::Debug for Loopback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Loopback(127.0.0.1:{})", self.port)
    }
}

/// The parameters of an authorization response (RFC 6749 4.1.2).
#[derive(Debug, Default)]
pub struct Redirect {
    pub code: Option<Secret>,
    pub state: Option<Secret>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// What one request to the listener was.
#[derive(Debug)]
pub enum Request {
    /// The authorization response on the redirect path.
    Redirect(Redirect),
    /// Anything else (a favicon, a visit without parameters): answered with 404, not counted.
    Other,
}

impl Loopback {
    /// Binds 127.0.0.1 on a port the OS picks. Needs the runtime (call inside `block_on`).
    pub async fn bind() -> Result<Loopback> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .map_err(|e| Error::new(ErrorCode::Network, format!("Cannot listen on 127.0.0.1 for the sign-in redirect: {e}")))?;
        let port = listener.local_addr().map_err(|e| Error::new(ErrorCode::Network, format!("Cannot read the listener's port: {e}")))?.port();
        Ok(Loopback { listener, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Entra ignores the port for `localhost` redirect URIs, so any port works.
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}/", self.port)
    }

    /// Waits for the one redirect and returns its code. A redirect with an error, without
    /// `state` or with another `state` ends the wait with an error page and no code.
    /// The listener closes when this returns or is dropped.
    pub async fn wait(self, expected_state: &Secret, timeout: Duration) -> Result<Secret> {
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut pending = FuturesUnordered::new();
        loop {
            tokio::select! {
                _ = &mut deadline => {
                    return Err(Error::new(ErrorCode::Timeout, format!(
                        "No sign-in was completed in the browser within {} minutes. Run Connect-ExchangeOnline again, or use -Device.",
                        ((timeout.as_secs() + 59) / 60).max(1)
                    )));
                }
                accepted = self.listener.accept() => {
                    // An accept error (too many open files) is not worth ending the sign-in for.
                    if let Ok((stream, _)) = accepted {
                        if pending.len() < MAX_PENDING {
                            pending.push(read_head(stream));
                        }
                    }
                }
                Some((mut stream, head)) = pending.next() => {
                    let request = match head {
                        Ok(bytes) => parse_request(&bytes),
                        Err(HeadError::Closed) => continue,
                        Err(HeadError::TooLarge) => Err("The request is too large."),
                    };
                    match request {
                        Err(why) => respond(&mut stream, 400, &page("Sign-in failed", why)).await,
                        Ok(Request::Other) => respond(&mut stream, 404, &page("Not found", "This address only receives the sign-in response.")).await,
                        Ok(Request::Redirect(r)) => {
                            let outcome = decide(r, expected_state);
                            let html = match &outcome {
                                Ok(_) => page("Signed in", "You are signed in. You can close this window and return to PowerShell."),
                                Err(e) => page("Sign-in failed", &e.message),
                            };
                            respond(&mut stream, if outcome.is_ok() { 200 } else { 400 }, &html).await;
                            return outcome;
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug)]
enum HeadError {
    Closed,
    TooLarge,
}

/// Reads a request head (up to the blank line) within the cap and the timeout.
async fn read_head(mut stream: TcpStream) -> (TcpStream, std::result::Result<Vec<u8>, HeadError>) {
    let mut head = Vec::with_capacity(2048);
    let read = tokio::time::timeout(HEADER_TIMEOUT, async {
        let mut chunk = [0u8; 2048];
        loop {
            let n = stream.read(&mut chunk).await.map_err(|_| HeadError::Closed)?;
            if n == 0 {
                return Err(HeadError::Closed);
            }
            head.extend_from_slice(&chunk[..n]);
            if let Some(end) = find(&head, b"\r\n\r\n") {
                head.truncate(end + 4);
                return Ok(());
            }
            if head.len() > REQUEST_CAP {
                return Err(HeadError::TooLarge);
            }
        }
    })
    .await;
    let result = match read {
        Ok(Ok(())) => Ok(head),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(HeadError::Closed),
    };
    (stream, result)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Parses a request head. Only `GET /?...` with parameters is a redirect; a request that
/// declares a body is refused (the redirect never has one). Errors are fixed texts.
pub fn parse_request(head: &[u8]) -> std::result::Result<Request, &'static str> {
    if head.len() > REQUEST_CAP {
        return Err("The request is too large.");
    }
    let text = std::str::from_utf8(head).map_err(|_| "The request is not valid.")?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err("The request is not valid.");
    };
    if !version.starts_with("HTTP/1.") {
        return Err("The request is not valid.");
    }
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let name = name.trim();
        if name.eq_ignore_ascii_case("transfer-encoding")
            || (name.eq_ignore_ascii_case("content-length") && value.trim() != "0")
        {
            return Err("The sign-in response cannot have a body.");
        }
    }
    if method != "GET" {
        return Err("Only the sign-in redirect (GET) is accepted here.");
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/" || query.is_empty() {
        return Ok(Request::Other);
    }
    let mut r = Redirect::default();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let value = value.into_owned();
        let duplicate = match key.as_ref() {
            "code" => r.code.replace(Secret::new(value)).is_some(),
            "state" => r.state.replace(Secret::new(value)).is_some(),
            "error" => r.error.replace(value).is_some(),
            "error_description" => r.error_description.replace(value).is_some(),
            _ => false,
        };
        if duplicate {
            return Err("The sign-in response repeats a parameter.");
        }
    }
    if r.code.is_none() && r.state.is_none() && r.error.is_none() {
        return Ok(Request::Other);
    }
    Ok(Request::Redirect(r))
}

/// The one decision about a redirect: an error from Entra, a wrong or missing `state`
/// (compared exactly, in constant time), or the code to redeem.
pub fn decide(r: Redirect, expected_state: &Secret) -> Result<Secret> {
    if let Some(error) = r.error {
        let text = r.error_description.as_deref().unwrap_or("").split(['\r', '\n']).next().unwrap_or("").trim();
        let text: String = text.chars().take(500).collect();
        let error: String = error.chars().take(100).collect();
        let message = if text.is_empty() { format!("Sign-in failed: {error}") } else { text };
        return Err(Error::new(ErrorCode::SignInFailed, message).with("error", error));
    }
    let state_ok = r.state.as_ref().map_or(false, |s| {
        ring::constant_time::verify_slices_are_equal(s.expose().as_bytes(), expected_state.expose().as_bytes()).is_ok()
    });
    if !state_ok {
        return Err(Error::new(
            ErrorCode::SignInFailed,
            "The sign-in response did not come from this sign-in (its state is missing or different), so it was ignored. Run Connect-ExchangeOnline again.",
        ));
    }
    match r.code.filter(|c| !c.is_empty()) {
        Some(code) => Ok(code),
        None => Err(Error::new(ErrorCode::SignInFailed, "The sign-in response carried no authorization code.")),
    }
}

pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn page(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>ExoNative: {t}</title></head><body><h1>{t}</h1><p>{x}</p></body></html>",
        t = html_escape(title),
        x = html_escape(text)
    )
}

async fn respond(stream: &mut TcpStream, status: u16, html: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nContent-Security-Policy: default-src 'none'\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{html}",
        html.len()
    );
    // A browser that went away is no reason to fail the sign-in.
    let _ = tokio::time::timeout(WRITE_TIMEOUT, async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redirect(head: &str) -> Redirect {
        match parse_request(head.as_bytes()) {
            Ok(Request::Redirect(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_redirect_with_code_and_state() {
        let r = redirect("GET /?code=canary-code&state=s%2B1&session_state=x HTTP/1.1\r\nHost: localhost:5000\r\n\r\n");
        assert_eq!(r.code.as_ref().unwrap().expose(), "canary-code");
        assert!(!format!("{r:?}").contains("canary"));
        assert_eq!(decide(r, &Secret::new("s+1")).unwrap().expose(), "canary-code");
    }

    #[test]
    fn missing_or_different_state_gives_no_code() {
        for head in ["GET /?code=c HTTP/1.1\r\n\r\n", "GET /?code=c&state=other HTTP/1.1\r\n\r\n", "GET /?code=c&state= HTTP/1.1\r\n\r\n", "GET /?code=c&state=expected2 HTTP/1.1\r\n\r\n"] {
            let e = decide(redirect(head), &Secret::new("expected")).unwrap_err();
            assert!(e.message.contains("state is missing or different"), "{head}");
            assert!(!e.message.contains("c&"));
        }
    }

    #[test]
    fn an_error_redirect_keeps_entras_first_line() {
        let r = redirect("GET /?error=access_denied&error_description=AADSTS65004%3A+User+declined.%0D%0ATrace+ID%3A+x&state=s HTTP/1.1\r\n\r\n");
        let e = decide(r, &Secret::new("s")).unwrap_err();
        assert_eq!(e.message, "AADSTS65004: User declined.");
        assert_eq!(e.detail["error"], "access_denied");
    }

    #[test]
    fn other_requests_are_not_the_redirect() {
        for head in ["GET /favicon.ico HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\n\r\n", "GET /?foo=1 HTTP/1.1\r\n\r\n", "GET /x?code=1&state=2 HTTP/1.1\r\n\r\n"] {
            assert!(matches!(parse_request(head.as_bytes()), Ok(Request::Other)), "{head}");
        }
    }

    #[test]
    fn bad_requests_are_refused() {
        for head in [
            "POST /?code=c&state=s HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            "GET /?code=c&state=s HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
            "GET /?code=c&state=s HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET /?code=c&code=d&state=s HTTP/1.1\r\n\r\n",
            "GET /?code=c&state=s&state=s HTTP/1.1\r\n\r\n",
            "GET /?code=c HTTP/2\r\n\r\n",
            "GET\r\n\r\n",
            "\u{0}\u{1}",
        ] {
            assert!(parse_request(head.as_bytes()).is_err(), "{head:?}");
        }
        let big = format!("GET /?code={} HTTP/1.1\r\n\r\n", "a".repeat(REQUEST_CAP));
        assert_eq!(parse_request(big.as_bytes()).unwrap_err(), "The request is too large.");
    }

    #[test]
    fn reflected_text_is_escaped() {
        assert_eq!(html_escape(r#"<script>alert('x')</script>&""#), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
        let html = page("Sign-in failed", "<img src=x onerror=alert(1)>");
        assert!(!html.contains("<img"));
    }

    proptest::proptest! {
        #[test]
        fn request_parsing_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = parse_request(&bytes);
        }

        #[test]
        fn query_parsing_never_panics(q in "[a-z=&%0-9A-F+_]{0,200}") {
            if let Ok(Request::Redirect(r)) = parse_request(format!("GET /?{q} HTTP/1.1\r\n\r\n").as_bytes()) {
                let _ = decide(r, &Secret::new("s"));
            }
        }

        #[test]
        fn escaped_text_has_no_markup(s in ".{0,100}") {
            let e = html_escape(&s);
            proptest::prop_assert!(!e.contains('<') && !e.contains('>') && !e.contains('"') && !e.contains('\''));
        }
    }
}
