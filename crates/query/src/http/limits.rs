//! What one client may use of the server: requests per second, open connections and search
//! slots held at once. A client is its address, or its /64 for IPv6 (one host commonly holds a
//! whole /64, so keying on the full address would give it billions of budgets). Without these,
//! one address can hold every shared slot and everyone else waits behind it.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

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

/// Token bucket per client.
#[derive(Debug)]
pub(super) struct RateLimiter {
    per_sec: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// Clients remembered before idle ones are forgotten, so a flood of addresses cannot grow
/// memory without bound.
const MAX_TRACKED_CLIENTS: usize = 100_000;

impl RateLimiter {
    pub(super) fn new(per_sec: u32) -> RateLimiter {
        RateLimiter {
            per_sec: f64::from(per_sec),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub(super) fn allow(&self, ip: IpAddr) -> bool {
        if self.per_sec <= 0.0 {
            return true;
        }
        let burst = self.per_sec * 2.0;
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return true;
        };
        if buckets.len() > MAX_TRACKED_CLIENTS {
            buckets.retain(|_, (_, seen)| now.duration_since(*seen) < Duration::from_secs(10));
        }
        let (tokens, last) = buckets.entry(client_key(ip)).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.per_sec).min(burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
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
}
