//! Test-only loopback HTTP server: answers a bounded number of requests with canned raw
//! responses on 127.0.0.1, then stops by itself (also after a deadline), so no test can hang.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the server waits for requests before giving up.
const DEADLINE: Duration = Duration::from_secs(20);

/// A running server: its base URL and the thread (joined to learn how many requests it saw).
pub(crate) struct TestServer {
    pub url: String,
    handle: Option<JoinHandle<usize>>,
}

impl TestServer {
    /// Serves `responses` in order, one per connection, then stops.
    pub(crate) fn start(responses: Vec<Vec<u8>>) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        listener.set_nonblocking(true).expect("nonblocking");
        let handle = std::thread::spawn(move || {
            let start = Instant::now();
            let mut served = 0;
            for response in responses {
                loop {
                    if start.elapsed() > DEADLINE {
                        return served;
                    }
                    match listener.accept() {
                        Ok((stream, _)) => {
                            serve(stream, &response);
                            served += 1;
                            break;
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            }
            served
        });
        TestServer {
            url,
            handle: Some(handle),
        }
    }

    /// Waits for the server thread and returns how many requests it answered.
    pub(crate) fn finish(mut self) -> usize {
        self.handle
            .take()
            .map(|h| h.join().unwrap_or(0))
            .unwrap_or(0)
    }
}

fn serve(mut stream: TcpStream, response: &[u8]) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 64 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let _ = stream.write_all(response);
    let _ = stream.flush();
    // Dropping the stream closes the connection (needed for the truncated-body case).
}

/// A `200 OK` response carrying `body` with a correct Content-Length.
pub(crate) fn ok(body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// A response with the given status line and a short text body.
pub(crate) fn status(code: u16, reason: &str) -> Vec<u8> {
    let body = format!("{code} {reason}\n");
    format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A `200 OK` that promises `claimed` bytes but sends only `body`, then closes.
pub(crate) fn truncated(body: &[u8], claimed: usize) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: {claimed}\r\nConnection: close\r\n\r\n"
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}
