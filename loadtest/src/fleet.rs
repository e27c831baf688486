//! The clients of one generator process: which users (whole classes of this shard), their tasks and
//! command channels, waiting for the setup to finish, and closing them all at the end.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::client::{ClientPlan, Command, Setup, run_client};
use crate::report::progress;
use crate::shard::Shard;
use crate::shared::Shared;
use crate::users::UsersFile;

/// Commands a client may have queued before the driver counts a publish as skipped.
const COMMAND_QUEUE: usize = 64;

/// The plans of this process: the first `classes` classes of the file (all when `None`), of
/// which this shard takes a contiguous slice of whole classes.
pub fn plan_clients(
    users: &UsersFile,
    classes: Option<usize>,
    shard: Shard,
) -> (Vec<String>, Vec<ClientPlan>) {
    let wanted = classes.unwrap_or(users.classes.len()).min(users.classes.len());
    let members = users.members_by_class();
    let mut topics = Vec::new();
    let mut plans = Vec::new();
    for class_index in shard.slice(wanted) {
        let (Some(class), Some(members)) =
            (users.classes.get(class_index), members.get(class_index))
        else {
            continue;
        };
        let topic = format!("group:{}", class.id);
        for &user_index in members {
            let Some(user) = users.users.get(user_index) else {
                continue;
            };
            plans.push(ClientPlan {
                index: plans.len(),
                class: topics.len(),
                topic: topic.clone(),
                login: user.login.clone(),
                password: user.password.clone(),
                cookie: user.cookie.clone(),
            });
        }
        topics.push(topic);
    }
    (topics, plans)
}

pub struct Fleet {
    pub shared: Arc<Shared>,
    senders: Vec<mpsc::Sender<Command>>,
    /// Client indexes per class.
    pub by_class: Vec<Vec<usize>>,
    tasks: JoinSet<()>,
}

impl Fleet {
    /// Spawns every client at once (each waits for its setup permit).
    pub fn spawn(
        topics: &[String],
        plans: Vec<ClientPlan>,
        setup: Arc<Setup>,
    ) -> Result<Fleet, String> {
        let shared = Arc::new(Shared::new(topics.len(), plans.len())?);
        let mut by_class = vec![Vec::new(); topics.len()];
        let mut senders = Vec::with_capacity(plans.len());
        let mut tasks = JoinSet::new();
        for plan in plans {
            if let Some(members) = by_class.get_mut(plan.class) {
                members.push(plan.index);
            }
            let (sender, receiver) = mpsc::channel(COMMAND_QUEUE);
            senders.push(sender);
            tasks.spawn(run_client(plan, setup.clone(), shared.clone(), receiver));
        }
        Ok(Fleet { shared, senders, by_class, tasks })
    }

    pub fn len(&self) -> usize {
        self.senders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.senders.is_empty()
    }

    /// Waits until every client is subscribed or has failed, or `limit` passed. Returns the time
    /// it took (until the last client finished its setup).
    pub async fn wait_for_setup(&self, limit: Duration) -> Duration {
        let started = Instant::now();
        let mut last_report = Instant::now();
        loop {
            let ready = self.shared.ready.load(Ordering::Relaxed);
            let failed = self.shared.failed.load(Ordering::Relaxed);
            if ready + failed >= self.len() || started.elapsed() >= limit {
                return started.elapsed();
            }
            if last_report.elapsed() >= Duration::from_secs(2) {
                progress(&format!("{ready}/{} subscribed, {failed} failed", self.len()));
                last_report = Instant::now();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Asks a client to publish; `false` (and counted as skipped) when its queue is full or it is
    /// gone.
    pub fn publish(&self, client: usize) -> bool {
        let sent = self
            .senders
            .get(client)
            .is_some_and(|sender| sender.try_send(Command::Publish).is_ok());
        let counter = if sent { &self.shared.requested } else { &self.shared.skipped };
        counter.fetch_add(1, Ordering::Relaxed);
        sent
    }

    /// The live clients of each class right now.
    pub fn live_by_class(&self) -> Vec<Vec<usize>> {
        self.by_class
            .iter()
            .map(|members| {
                members
                    .iter()
                    .copied()
                    .filter(|&client| {
                        self.shared.live.get(client).is_some_and(|l| l.load(Ordering::Relaxed))
                    })
                    .collect()
            })
            .collect()
    }

    /// Tells every client to close and waits (bounded) for the tasks to end.
    pub async fn close(mut self, limit: Duration) {
        for sender in &self.senders {
            // A full queue: the client is stuck behind publishes; the abort below ends it.
            let _ = sender.try_send(Command::Close);
        }
        drop(self.senders);
        let all_done = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(limit, all_done).await.is_err() {
            progress("some clients did not close in time; aborting them");
            self.tasks.abort_all();
            while self.tasks.join_next().await.is_some() {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::fake_population;

    #[test]
    fn plans_take_whole_classes_of_the_shard() {
        let users = fake_population(5);
        let (topics, plans) = plan_clients(&users, Some(4), Shard { index: 1, count: 2 });
        assert_eq!(topics.len(), 2);
        assert_eq!(plans.len(), 62);
        assert_eq!(topics[0], format!("group:{}", users.classes[2].id));
        assert!(plans.iter().enumerate().all(|(i, p)| p.index == i));
        assert_eq!(plans[31].class, 1);
        let (all, plans) = plan_clients(&users, None, Shard::WHOLE);
        assert_eq!((all.len(), plans.len()), (5, 155));
        let (_, capped) = plan_clients(&users, Some(99), Shard::WHOLE);
        assert_eq!(capped.len(), 155);
    }
}
