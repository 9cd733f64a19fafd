//! A stored document as a page of hits reads it: its text values and facets, each kept as the
//! document store's reader made it.
//!
//! tantivy's own document copies every value it reads into one buffer of its own, and the hit
//! copied the texts it needed out again (a page's body three times over): building it was half
//! of reading a hit's document, and the copies a good part of the search's allocations
//! (BENCHMARKS.md, #18). Values of other types (the content hash, the flags) are dropped as
//! they are read.

use tantivy::schema::document::{
    ArrayAccess, DeserializeError, DocumentDeserialize, DocumentDeserializer, ObjectAccess,
    ValueDeserialize, ValueDeserializer, ValueVisitor,
};
use tantivy::schema::{Facet, Field};
use tantivy::tokenizer::PreTokenizedString;

/// The text values and facets of one stored document.
#[derive(Debug, Default)]
pub(crate) struct StoredDoc {
    texts: Vec<(Field, String)>,
    /// Facet paths, encoded as stored.
    facets: Vec<String>,
}

impl StoredDoc {
    /// The first text of `field`, moved out (empty when the document has none).
    pub(crate) fn take(&mut self, field: Field) -> String {
        self.texts
            .iter_mut()
            .find(|(stored, _)| *stored == field)
            .map(|(_, text)| std::mem::take(text))
            .unwrap_or_default()
    }

    /// The document's facet paths, encoded as stored.
    pub(crate) fn facets(&self) -> impl Iterator<Item = &str> {
        self.facets.iter().map(String::as_str)
    }
}

impl DocumentDeserialize for StoredDoc {
    fn deserialize<'de, D>(mut deserializer: D) -> Result<Self, DeserializeError>
    where
        D: DocumentDeserializer<'de>,
    {
        let mut doc = StoredDoc::default();
        while let Some((field, value)) = deserializer.next_field::<Stored>()? {
            match value {
                Stored::Text(text) => doc.texts.push((field, text)),
                Stored::Facet(path) => doc.facets.push(path),
                Stored::Other => {}
            }
        }
        Ok(doc)
    }
}

/// One stored value, as far as a hit cares.
enum Stored {
    Text(String),
    Facet(String),
    Other,
}

impl ValueDeserialize for Stored {
    fn deserialize<'de, D>(deserializer: D) -> Result<Self, DeserializeError>
    where
        D: ValueDeserializer<'de>,
    {
        deserializer.deserialize_any(Keep)
    }
}

/// Keeps texts and facets, drops every other value.
struct Keep;

impl ValueVisitor for Keep {
    type Value = Stored;

    fn visit_null(&self) -> Result<Stored, DeserializeError> {
        Ok(Stored::Other)
    }

    fn visit_string(&self, text: String) -> Result<Stored, DeserializeError> {
        Ok(Stored::Text(text))
    }

    fn visit_pre_tokenized_string(
        &self,
        text: PreTokenizedString,
    ) -> Result<Stored, DeserializeError> {
        Ok(Stored::Text(text.text))
    }

    fn visit_facet(&self, facet: Facet) -> Result<Stored, DeserializeError> {
        Ok(Stored::Facet(facet.encoded_str().to_string()))
    }

    fn visit_u64(&self, _: u64) -> Result<Stored, DeserializeError> {
        Ok(Stored::Other)
    }

    fn visit_i64(&self, _: i64) -> Result<Stored, DeserializeError> {
        Ok(Stored::Other)
    }

    fn visit_f64(&self, _: f64) -> Result<Stored, DeserializeError> {
        Ok(Stored::Other)
    }

    fn visit_bool(&self, _: bool) -> Result<Stored, DeserializeError> {
        Ok(Stored::Other)
    }

    fn visit_datetime(&self, _: tantivy::DateTime) -> Result<Stored, DeserializeError> {
        Ok(Stored::Other)
    }

    fn visit_ip_address(&self, _: std::net::Ipv6Addr) -> Result<Stored, DeserializeError> {
        Ok(Stored::Other)
    }

    fn visit_bytes(&self, _: Vec<u8>) -> Result<Stored, DeserializeError> {
        Ok(Stored::Other)
    }

    // No field of the schema holds arrays or objects (JSON); read through, were one added.
    fn visit_array<'de, A>(&self, mut access: A) -> Result<Stored, DeserializeError>
    where
        A: ArrayAccess<'de>,
    {
        while access.next_element::<Stored>()?.is_some() {}
        Ok(Stored::Other)
    }

    fn visit_object<'de, A>(&self, mut access: A) -> Result<Stored, DeserializeError>
    where
        A: ObjectAccess<'de>,
    {
        while access.next_entry::<Stored>()?.is_some() {}
        Ok(Stored::Other)
    }
}
