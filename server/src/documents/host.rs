//! The storage side of a document room (`collab::driver::RoomHost`) on the server's database:
//! load = snapshot + later updates (any error fails the load, so nothing empty is ever stored
//! over a document), append = one transaction per batch, compaction, automatic versions, the
//! announcement of appends to other nodes, and unloading through the registry.

use schulhof_collab::driver::{Appended, Control, Loaded, RoomHost};
use schulhof_proto::{DocumentId, UserId};
use tokio::sync::mpsc;

use crate::hub::cluster::ClusterEvent;
use crate::state::SharedState;

pub struct StoreHost {
    state: SharedState,
    doc: DocumentId,
    slot: u64,
}

impl StoreHost {
    pub fn new(state: SharedState, doc: DocumentId, slot: u64) -> Self {
        Self { state, doc, slot }
    }
}

impl RoomHost for StoreHost {
    type Author = UserId;

    async fn load(&self) -> Result<Loaded, String> {
        let stored = self.state.store.document_updates_after(self.doc, -1).await.map_err(|e| {
            tracing::error!(error = %e, "document load failed");
            e.to_string()
        })?;
        let seq = stored.iter().map(|(seq, _)| *seq).max().unwrap_or(0);
        Ok(Loaded { updates: stored.into_iter().map(|(_, data)| data).collect(), seq })
    }

    async fn append(&self, batch: Vec<(Option<UserId>, Vec<u8>)>) -> Result<Appended, String> {
        let (first, last) = self.state.documents.append(self.doc, batch).await?;
        Ok(Appended { first, last })
    }

    async fn updates_after(&self, seq: i64) -> Result<Vec<(i64, Vec<u8>)>, String> {
        self.state.store.document_updates_after(self.doc, seq).await.map_err(|e| e.to_string())
    }

    async fn compact(&self, seq: i64, state: Vec<u8>) -> Result<(), String> {
        let now = self.state.now_ms();
        self.state.store.compact_document(self.doc, seq, &state, now).await.map_err(|error| {
            tracing::warn!(%error, "document compaction failed");
            error.to_string()
        })
    }

    async fn auto_version(&self, seq: i64, state: Vec<u8>) -> Result<(), String> {
        let now = self.state.now_ms();
        self.state
            .store
            .insert_document_version(self.doc, None, seq, &state, None, now)
            .await
            .map(|_| ())
            .map_err(|error| {
                tracing::warn!(%error, "automatic document version failed");
                error.to_string()
            })
    }

    fn announce(&self, seq: i64) {
        if let Some(cluster) = self.state.cluster.clone() {
            let event = ClusterEvent::DocumentChanged { document: self.doc, seq };
            tokio::spawn(async move {
                if let Err(error) = cluster.publish(&event).await {
                    tracing::warn!(%error, "document change not announced (nodes catch up)");
                }
            });
        }
    }

    fn try_unload(&self, control: &mpsc::UnboundedReceiver<Control<UserId>>) -> bool {
        self.state.documents.try_unload(self.doc, self.slot, control)
    }
}
