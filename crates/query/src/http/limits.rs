//! What one client may use of the server: requests per second, open connections and search
//! slots held at once. A client is its address, or its /64 for IPv6 (one host commonly holds a
//! whole /64, so keying on the full address would give it billions of budgets). Without these,
//! one address can hold every shared slot and everyone else waits behind it.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use governor::{DefaultKeyedRateLimiter, Quota};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The key a client's budgets are counted under.
pub(super) fn client_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & (u128::MAX << 64);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

/// At most `per_client` units of a shared budget per client. Only clients holding or waiting
/// for a unit are remembered, so memory is bounded by what is held.
#[derive(Debug)]
pub(super) struct PerClient {
    per_client: usize,
    clients: Mutex<HashMap<IpAddr, Arc<Semaphore>>>,
}

/// One unit of a client's budget; given back when dropped.
#[derive(Debug)]
pub(super) struct ClientPermit {
    permit: Option<OwnedSemaphorePermit>,
    key: IpAddr,
    owner: Arc<PerClient>,
}

impl PerClient {
    pub(super) fn new(per_client: usize) -> Arc<PerClient> {
        Arc::new(PerClient {
            per_client: per_client.max(1),
            clients: Mutex::new(HashMap::new()),
        })
    }

    /// A unit for `ip` if it has one free now.
    pub(super) fn try_acquire(self: &Arc<Self>, ip: IpAddr) -> Option<ClientPermit> {
        let key = client_key(ip);
        let permit = self.semaphore(key).try_acquire_owned().ok();
        self.permit_or_forget(key, permit)
    }

    /// A unit for `ip`, waiting for one until `deadline`.
    pub(super) async fn acquire_until(
        self: &Arc<Self>,
        ip: IpAddr,
        deadline: tokio::time::Instant,
    ) -> Option<ClientPermit> {
        let key = client_key(ip);
        let waiting = self.semaphore(key).acquire_owned();
        let permit = tokio::time::timeout_at(deadline, waiting)
            .await
            .ok()
            .and_then(Result::ok);
        self.permit_or_forget(key, permit)
    }

    fn semaphore(&self, key: IpAddr) -> Arc<Semaphore> {
        let per_client = self.per_client;
        Arc::clone(
            self.lock()
                .entry(key)
                .or_insert_with(|| Arc::new(Semaphore::new(per_client))),
        )
    }

    fn permit_or_forget(
        self: &Arc<Self>,
        key: IpAddr,
        permit: Option<OwnedSemaphorePermit>,
    ) -> Option<ClientPermit> {
        match permit {
            Some(permit) => Some(ClientPermit {
                permit: Some(permit),
                key,
                owner: Arc::clone(self),
            }),
            None => {
                self.forget_if_idle(key);
                None
            }
        }
    }

    /// Drops the client's entry once nobody holds or waits for its semaphore: every clone is
    /// made under the lock, so a count of one (the map's) under the lock means no one else can
    /// be using it.
    fn forget_if_idle(&self, key: IpAddr) {
        let mut clients = self.lock();
        if clients
            .get(&key)
            .is_some_and(|semaphore| Arc::strong_count(semaphore) == 1)
        {
            clients.remove(&key);
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<IpAddr, Arc<Semaphore>>> {
        // The map stays consistent whatever panicked while it was held: entries are only
        // inserted or removed whole.
        self.clients.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.lock().len()
    }
}

impl Drop for ClientPermit {
    fn drop(&mut self) {
        // The permit (and its clone of the semaphore) goes first, so the count can reach one.
        drop(self.permit.take());
        self.owner.forget_if_idle(self.key);
    }
}

/// Requests per second per client: `governor`'s keyed GCRA limiter, a burst of twice the rate.
#[derive(Debug)]
pub(super) struct RateLimiter {
    /// `None` when requests are not limited (a rate of zero).
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Checks since idle clients were last forgotten.
    since_sweep: AtomicU32,
}

/// Checks between two sweeps of idle clients. A client is idle (its state that of a client
/// never seen) once its burst has refilled, 2 s after its last request; so a flood of
/// addresses leaves at most two seconds' worth of them plus this many, and a sweep of a few
/// thousand entries every few thousand requests costs a few entries per request.
const SWEEP_EVERY: u32 = 4096;

impl RateLimiter {
    pub(super) fn new(per_sec: u32) -> RateLimiter {
        let limiter = NonZeroU32::new(per_sec).map(|rate| {
            let burst = NonZeroU32::new(per_sec.saturating_mul(2)).unwrap_or(rate);
            governor::RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        RateLimiter {
            limiter,
            since_sweep: AtomicU32::new(0),
        }
    }

    pub(super) fn allow(&self, ip: IpAddr) -> bool {
        let Some(limiter) = &self.limiter else {
            return true;
        };
        if self.since_sweep.fetch_add(1, Ordering::Relaxed) + 1 >= SWEEP_EVERY {
            self.since_sweep.store(0, Ordering::Relaxed);
            self.forget_idle();
        }
        limiter.check_key(&client_key(ip)).is_ok()
    }

    /// Drops the clients whose state is that of a new client, and the room they held.
    fn forget_idle(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.limiter.as_ref().map_or(0, |limiter| limiter.len())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ipv6_clients_are_their_64_and_mapped_v4_is_v4() {
        assert_eq!(
            client_key(ip("2001:db8:1:2:aaaa::1")),
            client_key(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            client_key(ip("2001:db8:1:2::1")),
            client_key(ip("2001:db8:1:3::1"))
        );
        assert_eq!(client_key(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
        assert_eq!(client_key(ip("10.0.0.1")), ip("10.0.0.1"));
    }

    #[tokio::test]
    async fn one_client_cannot_take_more_than_its_share_and_is_forgotten_when_done() {
        let slots = PerClient::new(2);
        let a = ip("127.0.0.2");
        let held = [slots.try_acquire(a).unwrap(), slots.try_acquire(a).unwrap()];
        assert!(
            slots.try_acquire(a).is_none(),
            "a third unit for the same client"
        );
        let soon = tokio::time::Instant::now() + Duration::from_millis(50);
        assert!(slots.acquire_until(a, soon).await.is_none());
        let other = slots.try_acquire(ip("127.0.0.3"));
        assert!(other.is_some(), "another client has its own budget");
        drop(other);
        assert_eq!(slots.tracked(), 1);
        drop(held);
        assert_eq!(slots.tracked(), 0, "idle clients are not remembered");
        let later = tokio::time::Instant::now() + Duration::from_millis(50);
        assert!(slots.acquire_until(a, later).await.is_some());
    }

    #[test]
    fn over_the_rate_is_refused_per_client_and_idle_clients_are_forgotten() {
        let limiter = RateLimiter::new(100);
        let a = ip("2001:db8:1:2::1");
        for _ in 0..200 {
            assert!(limiter.allow(a), "within the burst of twice the rate");
        }
        assert!(
            !limiter.allow(ip("2001:db8:1:2::99")),
            "the same /64 shares the budget"
        );
        assert!(limiter.allow(ip("10.0.0.1")), "another client has its own");
        assert_eq!(limiter.tracked(), 2);
        // Both buckets are full again 2 s (the burst at the rate) after they were emptied.
        std::thread::sleep(Duration::from_millis(2100));
        limiter.forget_idle();
        assert_eq!(limiter.tracked(), 0, "idle clients are not remembered");
        assert!(limiter.allow(a));

        let unlimited = RateLimiter::new(0);
        assert!((0..10_000).all(|_| unlimited.allow(ip("10.0.0.1"))));
        assert_eq!(unlimited.tracked(), 0);
    }

    #[test]
    fn idle_clients_are_swept_while_requests_arrive() {
        let limiter = RateLimiter::new(1_000_000);
        for n in 0..SWEEP_EVERY * 3 {
            assert!(limiter.allow(IpAddr::from(n.to_be_bytes())));
        }
        assert!(
            limiter.tracked() < (SWEEP_EVERY * 2) as usize,
            "{} clients remembered",
            limiter.tracked()
        );
    }
}
