//! Live documents for schulhof: office documents, collaborative texts ("Texte") and whiteboards
//! ("Tafeln") as Yjs documents. This crate will hold the sans-IO room core on `yrs` (join, receive,
//! leave → messages to send and updates to persist, speaking the y-websocket protocol) and its thin
//! async driver. It never depends on axum or sqlx. Nothing is implemented here yet; see issue
//! "Live documents, texts and whiteboards on Yjs".
