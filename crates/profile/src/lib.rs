//! `tritium profile`: Model Analyzer's config search, in one embedded server.
//!
//! config ([`config`]) → a plan resolved once per model ([`plan`]) → search
//! ([`search`], strategies measure through the
//! [`Measurer`](search::Measurer) implemented by [`measure`] on the bench
//! engine) → results store ([`results`]: checkpoint, resume, CSVs,
//! `results.json`) and deployable model configs ([`output`], [`pbtxt`](tritium_model::pbtxt)).

#![forbid(unsafe_code)]

pub mod config;
pub mod measure;
pub mod merge;
pub mod metrics_csv;
pub mod output;
pub mod plan;
pub mod results;
pub mod run;
pub mod search;
pub mod shard;
pub mod workers;
