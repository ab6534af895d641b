//! `TRITONSERVER_Message`: JSON documents returned by the server.

use tritium_sys as sys;

use super::check;
use crate::error::Result;

/// Serialises and deletes a message Triton handed us.
///
/// # Safety
/// `msg` must be a non-null message returned by a Triton call, owned by the caller.
pub(crate) unsafe fn take_json(api: &sys::TritonServerLib, msg: *mut sys::TRITONSERVER_Message, what: &str) -> Result<String> {
    let mut base: *const std::os::raw::c_char = std::ptr::null();
    let mut size: usize = 0;
    // SAFETY: `msg` is valid (caller's contract); out-pointers are live locals.
    let r = check(api, unsafe { (api.TRITONSERVER_MessageSerializeToJson)(msg, &mut base, &mut size) }, what);
    let json = r.map(|()| {
        if base.is_null() {
            String::new()
        } else {
            // SAFETY: Triton guarantees `base[..size]` is valid until the message is deleted; we copy it now.
            let bytes = unsafe { std::slice::from_raw_parts(base as *const u8, size) };
            String::from_utf8_lossy(bytes).into_owned()
        }
    });
    // SAFETY: the message is ours to delete, exactly once, after its JSON was copied.
    let del = check(api, unsafe { (api.TRITONSERVER_MessageDelete)(msg) }, "TRITONSERVER_MessageDelete");
    let json = json?;
    del?;
    Ok(json)
}
