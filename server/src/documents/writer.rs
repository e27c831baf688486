//! Group commit of document updates: every open room hands its batch of accepted updates to this
//! one task, which stores everything queued at that moment — from all documents — in one
//! transaction and then answers each room (which only then sends the updates on). Under load the
//! groups grow, so the database sees few large transactions instead of one per room and batch.

use schulhof_proto::DocumentId;
use tokio::sync::{mpsc, oneshot};

use crate::state::SharedState;
use crate::store::AuthoredUpdate;

/// Most batches stored in one transaction.
const MAX_GROUP: usize = 256;

/// One room's batch and where to answer.
pub struct AppendJob {
    pub doc: DocumentId,
    pub batch: Vec<AuthoredUpdate>,
    pub reply: oneshot::Sender<Result<(i64, i64), String>>,
}

/// Runs until every sender is gone.
pub async fn run(state: SharedState, mut jobs: mpsc::Receiver<AppendJob>) {
    while let Some(first) = jobs.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let items: Vec<(DocumentId, &[AuthoredUpdate])> =
            group.iter().map(|job| (job.doc, job.batch.as_slice())).collect();
        let stored = state.store.append_document_groups(&items, state.now_ms()).await;
        drop(items);
        match stored {
            Ok(results) => {
                for (job, result) in group.into_iter().zip(results) {
                    let _ = job.reply.send(result.ok_or_else(|| "document not found".to_owned()));
                }
            }
            Err(error) => {
                tracing::error!(%error, "document append failed");
                for job in group {
                    let _ = job.reply.send(Err(error.to_string()));
                }
            }
        }
    }
}
