//! A deterministic, single-threaded executor for the simulation's actors.
//!
//! An actor (a buyer's start, a return, a refresh, a cancel, a cron run, a
//! notification's delivery) is the future of a production flow, boxed. The
//! simulation's effects make every effect a yield point: the future is
//! `Pending` once before a batch or a provider call is carried out, and,
//! for a provider call, once more after the provider acted but before its
//! answer reaches the flow. Nothing else ever makes a flow wait, so a poll
//! always runs the actor exactly from one yield point to the next; the
//! world picks which actor to poll from its seed, and a crash is dropping
//! the future between two polls (between two effects, or with a provider's
//! answer in hand but not yet read). Futures are polled with a no-op waker:
//! nobody is ever woken, the world polls.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A flow in progress. Not `Send`: neither are the Worker's futures.
pub type Actor<T> = Pin<Box<dyn Future<Output = T>>>;

/// Where an actor waits between two polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Park {
    /// Before an effect: nothing of it has happened yet.
    Before,
    /// After the provider acted, before its answer reaches the flow: the
    /// answer is late (others move first) or lost (the actor is dropped).
    AnswerHeld,
}

/// Where the actor being polled parked; written by the effects' yields.
#[derive(Default)]
pub struct Parking {
    parked: Cell<Option<Park>>,
}

impl Parking {
    /// A future that is `Pending` once (noting `at`), then ready.
    pub fn pause(&self, at: Park) -> Pause<'_> {
        Pause {
            parking: self,
            at,
            paused: false,
        }
    }
}

pub struct Pause<'a> {
    parking: &'a Parking,
    at: Park,
    paused: bool,
}

impl Future for Pause<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.paused {
            return Poll::Ready(());
        }
        self.paused = true;
        self.parking.parked.set(Some(self.at));
        Poll::Pending
    }
}

/// What one poll did.
pub enum Polled<T> {
    /// The actor waits at this point.
    Parked(Park),
    /// The flow returned.
    Done(T),
}

/// Polls `actor` once: it runs to its next yield point, or to its end.
pub fn poll_once<T>(actor: &mut Actor<T>, parking: &Parking) -> Polled<T> {
    let mut cx = Context::from_waker(Waker::noop());
    parking.parked.set(None);
    match actor.as_mut().poll(&mut cx) {
        Poll::Ready(v) => Polled::Done(v),
        // Only the effects' pauses make a flow wait; a flow awaiting
        // anything else would hang the Worker too.
        Poll::Pending => match parking.parked.take() {
            Some(at) => Polled::Parked(at),
            None => panic!("an actor waited on something that is not an effect"),
        },
    }
}

pub type ActorId = usize;

/// The actors alive, in the order they started (so that "the i-th alive
/// actor", drawn from the seed, is the same on every replay).
pub struct Actors<T> {
    next: ActorId,
    alive: Vec<Entry<T>>,
}

pub struct Entry<T> {
    pub id: ActorId,
    pub name: String,
    /// Where it waits: `None` before its first poll.
    pub at: Option<Park>,
    actor: Actor<T>,
}

impl<T> Default for Actors<T> {
    fn default() -> Self {
        Actors {
            next: 1,
            alive: Vec::new(),
        }
    }
}

impl<T> Actors<T> {
    /// Adds an actor; it has not run yet.
    pub fn spawn(&mut self, name: impl FnOnce(ActorId) -> String, actor: Actor<T>) -> ActorId {
        let id = self.next;
        self.next += 1;
        self.alive.push(Entry {
            id,
            name: name(id),
            at: None,
            actor,
        });
        id
    }

    pub fn is_empty(&self) -> bool {
        self.alive.is_empty()
    }

    pub fn ids(&self) -> Vec<ActorId> {
        self.alive.iter().map(|e| e.id).collect()
    }

    pub fn get(&self, id: ActorId) -> Option<&Entry<T>> {
        self.alive.iter().find(|e| e.id == id)
    }

    pub fn name(&self, id: ActorId) -> String {
        self.get(id)
            .map_or_else(|| format!("#{id}"), |e| e.name.clone())
    }

    /// Polls actor `id` once; `None` when it is not alive. A finished
    /// actor is removed.
    pub fn poll(&mut self, id: ActorId, parking: &Parking) -> Option<Polled<T>> {
        let index = self.alive.iter().position(|e| e.id == id)?;
        let polled = poll_once(&mut self.alive[index].actor, parking);
        match &polled {
            Polled::Parked(at) => self.alive[index].at = Some(*at),
            Polled::Done(_) => {
                self.alive.remove(index);
            }
        }
        Some(polled)
    }

    /// Drops actor `id` where it waits (a crashed isolate): whatever it
    /// had not yet done never happens. `false` when it was not alive.
    pub fn crash(&mut self, id: ActorId) -> bool {
        match self.alive.iter().position(|e| e.id == id) {
            Some(index) => {
                self.alive.remove(index);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    /// A flow of `n` effects, each logging its index once carried out.
    fn flow(
        parking: Rc<Parking>,
        log: Rc<std::cell::RefCell<Vec<usize>>>,
        n: usize,
    ) -> Actor<usize> {
        Box::pin(async move {
            for i in 0..n {
                parking.pause(Park::Before).await;
                log.borrow_mut().push(i);
            }
            n
        })
    }

    #[test]
    fn each_poll_runs_an_actor_to_its_next_effect_and_a_crash_drops_the_rest() {
        let parking = Rc::new(Parking::default());
        let log = Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut actors = Actors::default();
        let a = actors.spawn(
            |id| format!("a#{id}"),
            flow(parking.clone(), log.clone(), 3),
        );
        let b = actors.spawn(
            |id| format!("b#{id}"),
            flow(parking.clone(), log.clone(), 3),
        );
        assert!(matches!(
            actors.poll(a, &parking),
            Some(Polled::Parked(Park::Before))
        ));
        assert!(
            log.borrow().is_empty(),
            "the first poll reaches the first effect"
        );
        actors.poll(a, &parking);
        actors.poll(b, &parking);
        actors.poll(b, &parking);
        assert_eq!(*log.borrow(), vec![0, 0], "a and b each carried out one");
        assert!(actors.crash(a));
        while let Some(Polled::Parked(_)) = actors.poll(b, &parking) {}
        assert_eq!(*log.borrow(), vec![0, 0, 1, 2]);
        assert!(actors.is_empty());
    }
}
