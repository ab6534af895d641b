//! Inference responses and their output tensors.

use std::ffi::{c_void, CStr};
use std::os::raw::c_char;
use std::sync::Arc;

use tritium_sys as sys;

use super::shared::ServerShared;
use super::{check, take_error};
use crate::error::{Error, Result};
use crate::gpu::cuda;

/// Where an output tensor's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryKind {
    /// Ordinary host memory.
    Cpu,
    /// Page-locked host memory.
    CpuPinned,
    /// Device memory on this GPU.
    Gpu(i64),
}

/// A response owned by tritium; deleting it returns its output buffers to the allocator.
pub struct Response {
    shared: Arc<ServerShared>,
    raw: *mut sys::TRITONSERVER_InferenceResponse,
}

// SAFETY: a response is a finished, immutable object; Triton allows reading and
// deleting it from any thread, and we never share it mutably.
unsafe impl Send for Response {}
// SAFETY: all accessors only read.
unsafe impl Sync for Response {}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response").field("outputs", &self.output_count().unwrap_or(0)).finish()
    }
}

/// One output tensor, borrowed from its [`Response`].
#[derive(Debug, Clone, Copy)]
pub struct Output<'a> {
    /// Output name.
    pub name: &'a str,
    /// Wire data type ("FP32", "BYTES", ...).
    pub datatype: &'a str,
    /// Shape.
    pub shape: &'a [i64],
    /// Where the bytes are.
    pub memory: MemoryKind,
    base: *const u8,
    byte_size: usize,
}

impl<'a> Output<'a> {
    /// Size in bytes.
    pub fn byte_size(&self) -> usize {
        self.byte_size
    }

    /// The bytes, when they are in host memory.
    pub fn host_bytes(&self) -> Option<&'a [u8]> {
        match self.memory {
            MemoryKind::Gpu(_) => None,
            _ if self.byte_size == 0 => Some(&[]),
            // SAFETY: Triton guarantees `base[..byte_size]` is valid host memory while the response lives ('a).
            _ => Some(unsafe { std::slice::from_raw_parts(self.base, self.byte_size) }),
        }
    }

    /// Raw pointer (device pointer for GPU outputs).
    pub fn ptr(&self) -> *const u8 {
        self.base
    }

    /// The bytes, when they are in device memory.
    pub fn device_slice(&self) -> Option<cuda::DeviceSlice<'a>> {
        match self.memory {
            // SAFETY: Triton guarantees `base[..byte_size]` is valid device memory on
            // device `d` while the response lives ('a).
            MemoryKind::Gpu(d) => Some(unsafe { cuda::DeviceSlice::from_raw(d as i32, self.base as u64, self.byte_size) }),
            _ => None,
        }
    }

    /// A host copy of the bytes, wherever they are.
    pub fn to_host(&self) -> Result<Vec<u8>> {
        match self.device_slice() {
            Some(d) => cuda::copy_device_to_host(d),
            None => Ok(self.host_bytes().unwrap_or(&[]).to_vec()),
        }
    }

    /// The values as f32 (checks the type).
    pub fn to_f32s(&self) -> Result<Vec<f32>> {
        self.expect_type("FP32")?;
        Ok(self.to_host()?.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }

    /// The values as i64 (checks the type).
    pub fn to_i64s(&self) -> Result<Vec<i64>> {
        self.expect_type("INT64")?;
        Ok(self.to_host()?.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect())
    }

    /// The values as i32 (checks the type).
    pub fn to_i32s(&self) -> Result<Vec<i32>> {
        self.expect_type("INT32")?;
        Ok(self.to_host()?.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
    }

    /// The elements of a BYTES tensor.
    pub fn to_byte_strings(&self) -> Result<Vec<Vec<u8>>> {
        self.expect_type("BYTES")?;
        tritium_model::tensor::decode_bytes(&self.to_host()?)
            .ok_or_else(|| Error::InvalidArgument(format!("output '{}' is not a well-formed BYTES tensor", self.name)))
    }

    fn expect_type(&self, t: &str) -> Result<()> {
        if self.datatype == t {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!("output '{}' is {}, not {t}", self.name, self.datatype)))
        }
    }
}

impl Response {
    pub(crate) fn from_raw(shared: Arc<ServerShared>, raw: *mut sys::TRITONSERVER_InferenceResponse) -> Response {
        Response { shared, raw }
    }

    /// The error carried by the response, if the request failed.
    pub(crate) fn error(&self) -> Option<Error> {
        let api = self.shared.api;
        // SAFETY: live response; the returned error is owned by the response, so only read (not deleted) — 
        // Triton documents the error as owned by the response object.
        let err = unsafe { (api.TRITONSERVER_InferenceResponseError)(self.raw) };
        if err.is_null() {
            return None;
        }
        // SAFETY: `err` is valid while the response lives; we copy code and message.
        unsafe {
            let code = crate::error::TritonCode::from_raw((api.TRITONSERVER_ErrorCode)(err));
            let message = super::copy_cstr((api.TRITONSERVER_ErrorMessage)(err));
            Some(Error::Triton { context: "inference".into(), code, message })
        }
    }

    /// Number of outputs.
    pub fn output_count(&self) -> Result<usize> {
        let api = self.shared.api;
        let mut n = 0u32;
        // SAFETY: live response; out-pointer to a local.
        check(api, unsafe { (api.TRITONSERVER_InferenceResponseOutputCount)(self.raw, &mut n) }, "response output count")?;
        Ok(n as usize)
    }

    /// Output `index`.
    pub fn output(&self, index: usize) -> Result<Output<'_>> {
        let api = self.shared.api;
        let mut name: *const c_char = std::ptr::null();
        let mut dt: sys::TRITONSERVER_DataType = 0;
        let mut shape: *const i64 = std::ptr::null();
        let mut dims = 0u64;
        let mut base: *const c_void = std::ptr::null();
        let mut size = 0usize;
        let mut mt: sys::TRITONSERVER_MemoryType = 0;
        let mut id = 0i64;
        let mut userp: *mut c_void = std::ptr::null_mut();
        // SAFETY: live response; all out-pointers point at locals.
        let err = unsafe {
            (api.TRITONSERVER_InferenceResponseOutput)(self.raw, index as u32, &mut name, &mut dt, &mut shape, &mut dims, &mut base, &mut size, &mut mt, &mut id, &mut userp)
        };
        if !err.is_null() {
            return Err(take_error(api, err, &format!("response output {index}")));
        }
        // SAFETY: name, type string and shape are owned by the response and valid while `self` lives.
        let (name, datatype, shape) = unsafe {
            (
                if name.is_null() { "" } else { CStr::from_ptr(name).to_str().unwrap_or("") },
                { let p = (api.TRITONSERVER_DataTypeString)(dt); if p.is_null() { "" } else { CStr::from_ptr(p).to_str().unwrap_or("") } },
                if shape.is_null() || dims == 0 { &[][..] } else { std::slice::from_raw_parts(shape, dims as usize) },
            )
        };
        let memory = match mt {
            sys::TRITONSERVER_MEMORY_CPU => MemoryKind::Cpu,
            sys::TRITONSERVER_MEMORY_CPU_PINNED => MemoryKind::CpuPinned,
            _ => MemoryKind::Gpu(id),
        };
        Ok(Output { name, datatype, shape, memory, base: base as *const u8, byte_size: size })
    }

    /// All outputs.
    pub fn outputs(&self) -> Result<Vec<Output<'_>>> {
        (0..self.output_count()?).map(|i| self.output(i)).collect()
    }

    /// The output called `name`.
    pub fn output_named(&self, name: &str) -> Result<Output<'_>> {
        self.outputs()?
            .into_iter()
            .find(|o| o.name == name)
            .ok_or_else(|| Error::InvalidArgument(format!("response has no output '{name}'")))
    }
}

impl Drop for Response {
    fn drop(&mut self) {
        let api = self.shared.api;
        let raw = self.raw;
        self.shared.if_alive(|| {
            // SAFETY: we own the response and delete it exactly once; this releases its
            // output buffers through our allocator.
            unsafe { (api.TRITONSERVER_InferenceResponseDelete)(raw) };
        });
    }
}
