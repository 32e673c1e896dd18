//! `scripts/verify-ledger` against a deployment that records trades while
//! it reads: a small proxy in front of a real server lets the verifier's
//! first `/history` request through only after Bob has bought a title, so
//! that the trade lands between its read of the ledger and its read of the
//! history, as on any busy deployment (the verification reads every page).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::flows::register;
use crate::harness::Server;
use crate::ledger::verifier_of;
use crate::purchase::{buy_on, titles};
use crate::reconciler::own_server;
use crate::{Test, World};

pub fn tests() -> Vec<Test> {
    vec![(
        "ledger_live::the_verifier_passes_when_a_trade_is_recorded_between_its_reads",
        the_verifier_passes_when_a_trade_is_recorded_between_its_reads,
    )]
}

fn the_verifier_passes_when_a_trade_is_recorded_between_its_reads(_world: &World) {
    let server = own_server("ledger-live");
    let alice = register(&server, "live-a", "10.00");
    let bob = register(&server, "live-b", "10.00");
    let isin = titles(&alice)[0].0.clone();
    let first = buy_on(&server, &bob, &isin, "1.00", "100");
    assert_eq!(first["code"], 2, "{first}");
    let bob_title = titles(&bob)
        .into_iter()
        .find(|(i, _)| *i != isin)
        .map(|t| t.0)
        .unwrap_or_default();

    let proxy = TcpListener::bind("127.0.0.1:0").expect("proxy port");
    let url = format!("http://{}", proxy.local_addr().expect("address"));
    let done = AtomicBool::new(false);
    let traded = AtomicBool::new(false);
    let (code, out) = std::thread::scope(|s| {
        s.spawn(|| {
            for stream in proxy.incoming() {
                if done.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                forward(&server, stream, |path| {
                    if path.starts_with("/history") && !traded.swap(true, Ordering::SeqCst) {
                        let order = buy_on(&server, &alice, &bob_title, "1.00", "100");
                        assert_eq!(order["code"], 2, "{order}");
                    }
                });
            }
        });
        let result = verifier_of(&url);
        done.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(proxy.local_addr().expect("address"));
        result
    });
    assert!(traded.load(Ordering::SeqCst), "the trade went in between");
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("OK 2 entries"), "{out}");
}

/// Answers one GET on `stream` with `server`'s answer to it, after `before`
/// has seen its path.
fn forward(server: &Server, stream: TcpStream, before: impl FnOnce(&str)) {
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split(' ').nth(1).unwrap_or("/").to_string();
    // The rest of the head (urllib sends no body with a GET).
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => break,
            Ok(_) if header == "\r\n" => break,
            Ok(_) => {}
        }
    }
    before(&path);
    let r = server.client().get_json(&path);
    let answer = format!(
        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{}",
        r.status,
        r.body.len(),
        r.body
    );
    let _ = (&stream).write_all(answer.as_bytes());
}
