//! Accepted connections: how many may be open (in all and per client), how long one may stay
//! open without a request in progress, and the drain on shutdown. Connections are served by
//! hyper directly, not `axum::serve`, for the limits it does not expose: time to send headers
//! (slowloris), size of the request head, open and idle connections.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulConnection;
use tokio::sync::{watch, Semaphore};
use tokio::time::Instant;
use tower::Service;

use super::limits::PerClient;
use super::{router, AppState, ServerConfig};

/// Longest the server waits on shutdown for open connections to finish.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `router(state)` on `listener` until `shutdown` resolves, then lets in-flight
/// requests finish (for at most 10 s).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = Arc::clone(&state.config);
    let app = router(state);
    let builder = builder(&config);
    let max_connections = config.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let connections = Arc::new(Semaphore::new(max_connections));
    let per_client = PerClient::new(config.max_connections_per_client);
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Over either cap the socket is closed unanswered: answering would cost what the cap
        // protects.
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            continue;
        };
        let Some(client_permit) = per_client.try_acquire(peer.ip()) else {
            continue;
        };
        let activity = Activity::new();
        let service = request_service(app.clone(), peer, Arc::clone(&activity));
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let idle_timeout = config.idle_timeout;
        let stopping = stopping.clone();
        tokio::spawn(async move {
            let _permits = (permit, client_permit);
            drive(connection, &activity, idle_timeout, stopping).await;
        });
    }
    drop(listener);
    stop.send_replace(true);
    let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(DRAIN, connections.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 10 s; stopping anyway");
    }
    Ok(())
}

fn builder(config: &ServerConfig) -> Builder<TokioExecutor> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        // hyper's smallest read buffer is 8 KiB; the head must fit in it.
        .max_buf_size(config.max_header_bytes.max(8192));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(config.max_header_bytes).unwrap_or(u32::MAX))
        .keep_alive_interval(Some(Duration::from_secs(30)));
    builder
}

/// The router as a hyper service for one connection: tells handlers the peer's address and
/// the connection when a request is in progress.
fn request_service(
    app: axum::Router,
    peer: SocketAddr,
    activity: Arc<Activity>,
) -> impl hyper::service::Service<
    Request<hyper::body::Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future: Send + 'static,
> {
    hyper::service::service_fn(move |mut request: Request<hyper::body::Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let busy = activity.begin();
        let response = app.clone().call(request.map(axum::body::Body::new));
        async move {
            let _busy = busy;
            response.await
        }
    })
}

/// Runs one connection until it ends. It is asked to close (finishing what is in progress)
/// when the server stops or when it has had no request in progress for `idle_timeout`: from
/// accept to the first request, where hyper's header timeout has not started yet (it waits for
/// the first byte to tell HTTP/1 from HTTP/2), and between requests, which HTTP/2 never times
/// out on its own.
async fn drive<C: GracefulConnection>(
    connection: C,
    activity: &Activity,
    idle_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
) {
    tokio::pin!(connection);
    loop {
        let idle_until = activity.idle_since().map(|since| since + idle_timeout);
        let recheck = Instant::now() + idle_timeout;
        tokio::select! {
            // Errors here are clients going away or timing out: nothing to answer.
            _ = connection.as_mut() => return,
            _ = stopping.wait_for(|stop| *stop) => break,
            () = tokio::time::sleep_until(idle_until.unwrap_or(recheck)) => {
                if activity.idle_since().is_some_and(|since| since + idle_timeout <= Instant::now()) {
                    break;
                }
            }
        }
    }
    Pin::as_mut(&mut connection).graceful_shutdown();
    let _ = connection.await;
}

/// Whether a connection has a request in progress, and since when it has had none.
#[derive(Debug)]
struct Activity {
    state: Mutex<(usize, Instant)>,
}

/// A request in progress on a connection.
struct Busy(Arc<Activity>);

impl Activity {
    fn new() -> Arc<Activity> {
        Arc::new(Activity {
            state: Mutex::new((0, Instant::now())),
        })
    }

    fn begin(self: &Arc<Self>) -> Busy {
        self.lock().0 += 1;
        Busy(Arc::clone(self))
    }

    /// When the connection last became idle; `None` while a request is in progress.
    fn idle_since(&self) -> Option<Instant> {
        let (in_progress, since) = *self.lock();
        (in_progress == 0).then_some(since)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (usize, Instant)> {
        // A count and a time: consistent whatever panicked while the lock was held.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.0 -= 1;
        state.1 = Instant::now();
    }
}
