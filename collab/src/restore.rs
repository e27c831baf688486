//! Restoring an old version as a new change on top of the live document: the content of each
//! root type is replaced by a deep copy of the old version's content, inside one transaction of
//! the live document. The result is an ordinary update, so every collaborator converges on it
//! (a CRDT cannot "go back"; deleted items can only be inserted anew). Which roots a document
//! has depends on its kind; the caller names them with their types.

use std::collections::HashMap;
use std::sync::Arc;

use yrs::types::Delta;
use yrs::types::text::YChange;
use yrs::types::xml::{
    XmlDeltaPrelim, XmlElementPrelim, XmlFragment, XmlIn, XmlOut, XmlTextPrelim,
};
use yrs::updates::decoder::Decode;
use yrs::{
    Any, Doc, GetString, In, Map, MapRef, Out, ReadTxn, Text, TextRef, Transact, TransactionMut,
    Update, Xml, XmlFragmentRef, XmlTextRef,
};

/// The type of a root, as the editors of a document kind use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootType {
    /// ProseMirror/Tiptap content.
    XmlFragment,
    /// Plain text (CodeMirror).
    Text,
    /// A map of plain JSON values (whiteboard elements).
    Map,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RestoreError {
    #[error("the stored version cannot be decoded")]
    BadVersion,
}

/// Replaces the content of `roots` in `live` by the content they had in `old_state` (an update
/// holding the whole old document) and returns that change as one update (v1).
pub fn restore_update(
    live: &Doc,
    old_state: &[u8],
    roots: &[(&str, RootType)],
) -> Result<Vec<u8>, RestoreError> {
    let old = Doc::new();
    {
        let update = Update::decode_v1(old_state).map_err(|_| RestoreError::BadVersion)?;
        old.transact_mut().apply_update(update).map_err(|_| RestoreError::BadVersion)?;
    }
    let handles: Vec<(Root, Root)> = roots
        .iter()
        .map(|(name, kind)| (Root::get(&old, name, *kind), Root::get(live, name, *kind)))
        .collect();
    let old_txn = old.transact();
    let mut txn = live.transact_mut();
    for (from, to) in &handles {
        match (from, to) {
            (Root::Xml(from), Root::Xml(to)) => {
                let children: Vec<XmlIn> =
                    from.children(&old_txn).flat_map(|child| xml_nodes(&old_txn, child)).collect();
                let len = to.len(&txn);
                to.remove_range(&mut txn, 0, len);
                let mut index = 0;
                for child in children {
                    index += insert_xml(&mut txn, to, index, child);
                }
            }
            (Root::Text(from), Root::Text(to)) => {
                let content = from.get_string(&old_txn);
                let len = to.len(&txn);
                to.remove_range(&mut txn, 0, len);
                to.insert(&mut txn, 0, &content);
            }
            (Root::Map(from), Root::Map(to)) => {
                let old_entries: HashMap<String, Any> = from
                    .iter(&old_txn)
                    .filter_map(|(key, value)| match value {
                        Out::Any(any) => Some((key.to_owned(), any)),
                        _ => None,
                    })
                    .collect();
                let current: Vec<String> = to.keys(&txn).map(str::to_owned).collect();
                for key in current {
                    if !old_entries.contains_key(&key) {
                        to.remove(&mut txn, &key);
                    }
                }
                for (key, value) in old_entries {
                    let unchanged =
                        matches!(to.get(&txn, &key), Some(Out::Any(now)) if now == value);
                    if !unchanged {
                        to.insert(&mut txn, key, value);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(txn.encode_update_v1())
}

enum Root {
    Xml(XmlFragmentRef),
    Text(TextRef),
    Map(MapRef),
}

impl Root {
    fn get(doc: &Doc, name: &str, kind: RootType) -> Self {
        match kind {
            RootType::XmlFragment => Root::Xml(doc.get_or_insert_xml_fragment(name)),
            RootType::Text => Root::Text(doc.get_or_insert_text(name)),
            RootType::Map => Root::Map(doc.get_or_insert_map(name)),
        }
    }
}

/// Inserts a node at `index`; returns how many nodes were inserted (a nested fragment's
/// children go in flat).
fn insert_xml(txn: &mut TransactionMut, to: &XmlFragmentRef, index: u32, child: XmlIn) -> u32 {
    match child {
        XmlIn::Element(element) => {
            to.insert(txn, index, element);
            1
        }
        XmlIn::Text(prelim) => {
            let text = to.insert(txn, index, XmlTextPrelim::new(""));
            for (key, value) in prelim.attributes {
                text.insert_attribute(txn, key, value);
            }
            text.apply_delta(txn, prelim.delta);
            1
        }
        XmlIn::Fragment(_) => 0, // `xml_nodes` flattens fragments
    }
}

/// A deep copy of an XML node as preliminary values (a nested fragment gives its children).
fn xml_nodes<T: ReadTxn>(txn: &T, node: XmlOut) -> Vec<XmlIn> {
    match node {
        XmlOut::Element(element) => {
            let mut prelim = XmlElementPrelim::empty(element.tag().clone());
            for (key, value) in element.attributes(txn) {
                prelim.attributes.insert(Arc::from(key), value.to_string(txn));
            }
            prelim.children =
                element.children(txn).flat_map(|child| xml_nodes(txn, child)).collect();
            vec![XmlIn::Element(prelim)]
        }
        XmlOut::Text(text) => vec![XmlIn::Text(text_prelim(txn, &text))],
        XmlOut::Fragment(fragment) => {
            fragment.children(txn).flat_map(|child| xml_nodes(txn, child)).collect()
        }
    }
}

/// Formatted text as a delta to insert anew.
fn text_prelim<T: ReadTxn>(txn: &T, text: &XmlTextRef) -> XmlDeltaPrelim {
    let mut attributes = HashMap::new();
    for (key, value) in text.attributes(txn) {
        attributes.insert(Arc::from(key), value.to_string(txn));
    }
    let delta = text
        .diff(txn, YChange::identity)
        .into_iter()
        .filter_map(|diff| {
            let value = match diff.insert {
                Out::Any(any) => In::Any(any),
                _ => return None,
            };
            Some(Delta::Inserted(value, diff.attributes))
        })
        .collect();
    XmlDeltaPrelim { attributes, delta }
}

#[cfg(test)]
mod tests {
    use yrs::types::xml::XmlTextPrelim;
    use yrs::{Any, Doc, GetString, Map, ReadTxn, StateVector, Text, Transact, Xml, XmlFragment};

    use super::{RootType, restore_update};

    #[test]
    fn an_old_version_comes_back_as_a_new_change_for_every_root_type() {
        let doc = Doc::new();
        let prose = doc.get_or_insert_xml_fragment("default");
        let text = doc.get_or_insert_text("text");
        let board = doc.get_or_insert_map("elements");
        {
            let mut txn = doc.transact_mut();
            let heading = prose.push_back(&mut txn, yrs::XmlElementPrelim::empty("heading"));
            heading.insert_attribute(&mut txn, "level", "1");
            heading.push_back(&mut txn, XmlTextPrelim::new("Gedicht"));
            text.insert(&mut txn, 0, "Erste Fassung");
            board.insert(&mut txn, "a", Any::from("Kreis"));
        }
        let old_state = doc.transact().encode_diff_v1(&StateVector::default());
        let expected_prose = prose.get_string(&doc.transact());
        {
            let mut txn = doc.transact_mut();
            prose.remove_range(&mut txn, 0, 1);
            text.insert(&mut txn, 0, "Zweite ");
            board.insert(&mut txn, "b", Any::from("Pfeil"));
        }
        // A collaborator who has the newest state receives only the restoring change.
        let peer = Doc::new();
        let newest = doc.transact().encode_diff_v1(&StateVector::default());
        peer.transact_mut().apply_update(yrs::Update::decode_v1(&newest).unwrap()).unwrap();
        let roots = [
            ("default", RootType::XmlFragment),
            ("text", RootType::Text),
            ("elements", RootType::Map),
        ];
        let change = restore_update(&doc, &old_state, &roots).unwrap();
        peer.transact_mut().apply_update(yrs::Update::decode_v1(&change).unwrap()).unwrap();
        for copy in [&doc, &peer] {
            // Root handles first: getting one needs a write transaction.
            let (prose, text) =
                (copy.get_or_insert_xml_fragment("default"), copy.get_or_insert_text("text"));
            let board = copy.get_or_insert_map("elements");
            let txn = copy.transact();
            assert_eq!(prose.get_string(&txn), expected_prose);
            assert_eq!(text.get_string(&txn), "Erste Fassung");
            assert_eq!(board.len(&txn), 1);
        }
        assert!(expected_prose.contains("level=\"1\"") && expected_prose.contains("Gedicht"));
    }

    use yrs::updates::decoder::Decode;
}
