//! One probe inference with zero-filled inputs (`tritium models --infer`):
//! issued, awaited with a deadline (a hung model never hangs the caller),
//! and its outputs checked against the model's metadata.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::validate::OutputCheck;
use tritium_model::ModelMetadata;
use tritium_triton::{Completion, CompletionHandler, InputBuffer, RequestBuilder, Response, Server};

/// Why a probe inference gave no good answer. Each text says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// An input cannot be zero-filled (variable or too large shape, non fixed-size type).
    #[error("{0}")]
    Input(String),
    /// The request could not be issued, or Triton answered with an error.
    #[error(transparent)]
    Triton(#[from] tritium_triton::Error),
    /// No answer within the deadline.
    #[error("the inference did not complete within {:.1} s (--infer-timeout); giving up (the model may be hanging; the request is left to the server's exit timeout)", .0.as_secs_f64())]
    Timeout(Duration),
}

/// An answered probe: the response, how long it took, and whether its
/// outputs match the model's metadata (`Err` says how they differ).
#[derive(Debug)]
pub struct Probe {
    /// The response (its outputs, whatever they are).
    pub response: Response,
    /// Issue to completion.
    pub took: Duration,
    /// The outputs checked against the metadata.
    pub check: Result<(), String>,
}

/// Runs one inference of `name` with zero-filled inputs of batch 1 and
/// checks the outputs; gives up after `timeout`. A mismatch is in
/// [`Probe::check`], so the caller can still show what came back.
pub fn infer_once(server: &Server, name: &str, meta: &ModelMetadata, max_batch_size: u32, timeout: Duration) -> Result<Probe, ProbeError> {
    let mut b = server.request(name, -1);
    for t in &meta.inputs {
        let mut shape = t.shape.clone();
        if max_batch_size > 0 && !shape.is_empty() {
            shape[0] = 1;
        }
        if shape.iter().any(|d| *d < 0) {
            return Err(ProbeError::Input(format!("input '{}' has a variable dimension {:?}; `models --infer` only handles fixed shapes (use `tritium bench --shape`)", t.name, t.shape)));
        }
        let Some(size) = t.data_type().and_then(|d| d.byte_size()) else {
            return Err(ProbeError::Input(format!("input '{}' is {}; `models --infer` only fills fixed-size types", t.name, t.datatype)));
        };
        let bytes = shape.iter().try_fold(size as u64, |acc, &d| acc.checked_mul(d as u64)).filter(|b| *b <= super::limits::input_budget_bytes());
        let Some(bytes) = bytes else {
            return Err(ProbeError::Input(format!("input '{}' of shape {:?} is too large for a probe inference", t.name, shape)));
        };
        b = b.input(&t.name, &t.datatype, &shape, InputBuffer::host(vec![0u8; bytes as usize]));
    }
    let t0 = Instant::now();
    let c = issue_and_wait(b, timeout)?.ok_or(ProbeError::Timeout(timeout))?;
    let took = t0.elapsed();
    let response = c.response?;
    let check = OutputCheck::from_metadata(meta, max_batch_size, 1).check(&response);
    Ok(Probe { response, took, check })
}

/// Builds and issues one request and waits at most `timeout` for its
/// completion: `None` when none came (the request is then left to the
/// server's exit timeout), so a hung model never hangs the caller.
pub fn issue_and_wait(b: RequestBuilder, timeout: Duration) -> tritium_triton::Result<Option<Completion>> {
    let (tx, rx) = crossbeam::channel::bounded::<Completion>(1);
    let handler: Arc<dyn CompletionHandler> = Arc::new(move |c: Completion| {
        let _ = tx.send(c);
    });
    b.on_complete(handler).build()?.issue().map_err(|e| e.error)?;
    Ok(rx.recv_timeout(timeout).ok())
}
