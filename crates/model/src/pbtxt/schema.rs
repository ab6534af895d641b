//! Triton's `ModelConfig` schema: the descriptors of `proto/model_config.proto`
//! (Triton's own file, compiled by `build.rs` with `protox`), loaded once as a
//! `prost-reflect` [`DescriptorPool`], and the questions the JSON conversion
//! and the config search ask of it (is a field repeated, a map, an enum, a
//! number; what is its message type).
//!
//! Message types are named relative to the proto package `inference`, nested
//! ones with dots: `ModelConfig`, `ModelOptimizationPolicy.Cuda.GraphSpec`.

use std::collections::HashMap;
use std::sync::OnceLock;

use prost_reflect::{DescriptorPool, FieldDescriptor, Kind, MessageDescriptor};

// `MODEL_CONFIG_FIELDS`, written by build.rs from the descriptors.
include!(concat!(env!("OUT_DIR"), "/model_config_fields.rs"));

/// The top-level message type of a `config.pbtxt`.
pub const MODEL_CONFIG_TYPE: &str = "ModelConfig";

/// The proto package of `model_config.proto`.
const PACKAGE: &str = "inference";

/// The FileDescriptorSet build.rs compiled from `proto/model_config.proto`.
static DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/model_config.fds"));

/// The descriptors of Triton's `model_config.proto` (decoded once).
pub fn descriptor_pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        // Not user input: build.rs wrote these bytes from the vendored proto,
        // and the unit tests decode them.
        DescriptorPool::decode(DESCRIPTOR_SET).expect("build.rs writes a valid FileDescriptorSet of proto/model_config.proto")
    })
}

/// The descriptor of message type `ty` (e.g. `"ModelInput"`), if the schema has it.
pub fn message_descriptor(ty: &str) -> Option<MessageDescriptor> {
    descriptor_pool().get_message_by_name(&format!("{PACKAGE}.{ty}"))
}

/// The descriptor of Triton's `ModelConfig`.
pub fn model_config_descriptor() -> MessageDescriptor {
    message_descriptor(MODEL_CONFIG_TYPE).expect("proto/model_config.proto defines inference.ModelConfig (build.rs checks it)")
}

/// The fields of `m` in the order `model_config.proto` declares them
/// (`MessageDescriptor::fields` goes by field number: `backend`, number 17,
/// is declared third in `ModelConfig`).
pub(super) fn fields_in_proto_order(m: &MessageDescriptor) -> Vec<FieldDescriptor> {
    m.descriptor_proto().field.iter().filter_map(|f| m.get_field_by_name(f.name())).collect()
}

/// The name of a message type relative to the package (`ModelInstanceGroup`).
pub(super) fn type_name(m: &MessageDescriptor) -> &str {
    let full = m.full_name();
    full.strip_prefix(PACKAGE).and_then(|s| s.strip_prefix('.')).unwrap_or(full)
}

/// How often a field may appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Card {
    /// A singular field.
    Single,
    /// A repeated field.
    Repeated,
    /// A `map<K, V>`.
    Map,
}

/// What a field holds (for a repeated field: each element; for a map: each value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ValueKind {
    Message,
    Enum,
    Integer,
    Float,
    Bool,
    String,
}

impl ValueKind {
    fn of(kind: &Kind) -> ValueKind {
        match kind {
            Kind::Message(_) => ValueKind::Message,
            Kind::Enum(_) => ValueKind::Enum,
            Kind::Double | Kind::Float => ValueKind::Float,
            Kind::Bool => ValueKind::Bool,
            Kind::String | Kind::Bytes => ValueKind::String,
            Kind::Int32 | Kind::Int64 | Kind::Uint32 | Kind::Uint64 | Kind::Sint32 | Kind::Sint64 | Kind::Fixed32 | Kind::Fixed64 | Kind::Sfixed32 | Kind::Sfixed64 => {
                ValueKind::Integer
            }
        }
    }

    /// Numbers (integers and floats).
    pub(super) fn is_numeric(self) -> bool {
        matches!(self, ValueKind::Integer | ValueKind::Float)
    }
}

/// The shape of one field of the schema.
#[derive(Debug, Clone)]
pub(super) struct FieldSpec {
    pub(super) card: Card,
    /// What the field (its elements, its map values) holds.
    pub(super) value: ValueKind,
    /// The message type of the field (its elements, its map values), if a message.
    pub(super) child: Option<String>,
    /// A map whose keys are integers (`map<uint64, ...>`); other map keys are strings.
    pub(super) integer_key: bool,
}

impl FieldSpec {
    fn of(field: &FieldDescriptor) -> FieldSpec {
        let (card, kind, integer_key) = if field.is_map() {
            match field.kind() {
                Kind::Message(entry) => {
                    let key = entry.map_entry_key_field().kind();
                    (Card::Map, entry.map_entry_value_field().kind(), ValueKind::of(&key) == ValueKind::Integer)
                }
                other => (Card::Map, other, false), // never: a map field's type is its entry message
            }
        } else if field.is_list() {
            (Card::Repeated, field.kind(), false)
        } else {
            (Card::Single, field.kind(), false)
        };
        let child = kind.as_message().map(|m| type_name(m).to_string());
        FieldSpec { card, value: ValueKind::of(&kind), child, integer_key }
    }
}

/// Every field of every message type of the schema (map entries left out),
/// by type name and field name.
fn index() -> &'static HashMap<String, HashMap<String, FieldSpec>> {
    static INDEX: OnceLock<HashMap<String, HashMap<String, FieldSpec>>> = OnceLock::new();
    INDEX.get_or_init(|| {
        descriptor_pool()
            .all_messages()
            .filter(|m| m.package_name() == PACKAGE && !m.is_map_entry())
            .map(|m| (type_name(&m).to_string(), m.fields().map(|f| (f.name().to_string(), FieldSpec::of(&f))).collect()))
            .collect()
    })
}

/// The shape of `field` of message type `ty`, if the schema has it.
pub(super) fn field_spec(ty: &str, field: &str) -> Option<&'static FieldSpec> {
    index().get(ty)?.get(field)
}

/// True when `field` of message type `ty` is a repeated field of Triton's
/// `ModelConfig` schema (e.g. `("ModelConfig", "input")`, `("ModelInput", "dims")`).
pub fn is_repeated_field(ty: &str, field: &str) -> bool {
    matches!(field_spec(ty, field), Some(FieldSpec { card: Card::Repeated, .. }))
}

/// True when `field` of message type `ty` is a protobuf `map` field of
/// Triton's `ModelConfig` schema (e.g. `("ModelConfig", "parameters")`).
pub fn is_map_field(ty: &str, field: &str) -> bool {
    matches!(field_spec(ty, field), Some(FieldSpec { card: Card::Map, .. }))
}

/// The message type of `field` in message type `ty` (its element type when
/// repeated, its value type when a map), if it is a message.
pub fn child_type(ty: &str, field: &str) -> Option<&'static str> {
    field_spec(ty, field)?.child.as_deref()
}
