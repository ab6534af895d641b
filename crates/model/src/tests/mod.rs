//! Unit tests of the model views, one file per concern.

mod config;
mod datatype;
mod lenient;
mod metadata;
mod statistics;
mod tensor;
