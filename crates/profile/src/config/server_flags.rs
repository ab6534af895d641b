//! Global `triton_server_flags`: the tritonserver flags tritium maps onto its
//! embedded server's options ([`MAPPED_SERVER_FLAGS`]); every other flag is
//! announced as not passed on (see [`compat`](super::compat)). Values are
//! checked when the config is read, so [`apply_server_flags`] cannot fail
//! on a validated config.

use std::collections::BTreeMap;
use std::path::PathBuf;

use tritium_triton::ServerOptions;

/// tritonserver flags tritium applies to the embedded server, with the value
/// form each takes. The model repository is `model_repository`; the backend
/// directory defaults to the runtime's (`triton_install_path`).
pub const MAPPED_SERVER_FLAGS: &[(&str, &str)] = &[
    ("backend-directory", "a directory"),
    ("repoagent-directory", "a directory"),
    ("backend-config", "<backend>,<setting>=<value>"),
    ("pinned-memory-pool-byte-size", "bytes"),
    ("cuda-memory-pool-byte-size", "<device>:<bytes>"),
    ("min-supported-compute-capability", "a number, e.g. 6.0"),
];

/// Applies the mapped flags of `flags` to `opts`; a malformed value is
/// `Err((flag, message))`. Unmapped flags are left alone (they are announced).
pub fn apply_server_flags(flags: &BTreeMap<String, String>, mut opts: ServerOptions) -> Result<ServerOptions, (String, String)> {
    for (flag, value) in flags {
        let v = value.trim();
        let bad = |m: String| (flag.clone(), m);
        match flag.as_str() {
            "backend-directory" | "repoagent-directory" => {
                // Triton would only say "unable to find backend library" per model, after the
                // server started; a path that is not a directory is refused when the config is read.
                if !std::path::Path::new(v).is_dir() {
                    return Err(bad(format!(
                        "{v:?} is not a directory; point it at an existing directory, or remove the flag to use the runtime's own (triton_install_path)"
                    )));
                }
                if flag == "backend-directory" {
                    opts.backend_directory = Some(PathBuf::from(v));
                } else {
                    opts.repo_agent_directory = Some(PathBuf::from(v));
                }
            }
            "backend-config" => {
                let (backend, kv) = v.split_once(',').ok_or_else(|| bad(format!("{v:?}: expected <backend>,<setting>=<value>")))?;
                let (setting, value) = kv.split_once('=').ok_or_else(|| bad(format!("{v:?}: expected <backend>,<setting>=<value>")))?;
                if backend.is_empty() || setting.is_empty() {
                    return Err(bad(format!("{v:?}: expected <backend>,<setting>=<value>")));
                }
                opts.backend_config.push((backend.to_string(), setting.to_string(), value.to_string()));
            }
            "pinned-memory-pool-byte-size" => {
                opts.pinned_memory_pool_bytes = Some(v.parse().map_err(|_| bad(format!("{v:?}: expected a byte count")))?)
            }
            "cuda-memory-pool-byte-size" => {
                let (d, b) = v.split_once(':').ok_or_else(|| bad(format!("{v:?}: expected <device>:<bytes>")))?;
                let d: i32 = d.trim().parse().map_err(|_| bad(format!("{v:?}: the device is not an integer")))?;
                let b: u64 = b.trim().parse().map_err(|_| bad(format!("{v:?}: the byte count is not an integer")))?;
                opts.cuda_memory_pool_bytes.push((d, b));
            }
            "min-supported-compute-capability" => {
                let x: f64 = v.parse().map_err(|_| bad(format!("{v:?}: expected a number")))?;
                if !x.is_finite() || x < 0.0 {
                    return Err(bad(format!("{v:?}: expected a non-negative number")));
                }
                opts.min_compute_capability = Some(x);
            }
            _ => {}
        }
    }
    Ok(opts)
}

/// The flags of `flags` tritium does not map, in order.
pub fn unmapped_server_flags(flags: &BTreeMap<String, String>) -> Vec<&str> {
    flags.keys().map(String::as_str).filter(|k| !MAPPED_SERVER_FLAGS.iter().any(|(m, _)| m == k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn mapped_flags_set_the_server_options_and_others_are_left_alone() {
        let f = flags(&[
            ("backend-directory", "/"),
            ("backend-config", "python,shm-default-byte-size=1048576"),
            ("pinned-memory-pool-byte-size", "1024"),
            ("cuda-memory-pool-byte-size", "0:2048"),
            ("min-supported-compute-capability", "7.0"),
            ("log-verbose", "1"),
        ]);
        let o = apply_server_flags(&f, ServerOptions::new("/m")).unwrap();
        assert_eq!(o.backend_directory, Some(PathBuf::from("/")));
        assert_eq!(o.backend_config, vec![("python".into(), "shm-default-byte-size".into(), "1048576".into())]);
        assert_eq!(o.pinned_memory_pool_bytes, Some(1024));
        assert_eq!(o.cuda_memory_pool_bytes, vec![(0, 2048)]);
        assert_eq!(o.min_compute_capability, Some(7.0));
        assert_eq!(o.model_repository, PathBuf::from("/m"));
        assert_eq!(unmapped_server_flags(&f), vec!["log-verbose"]);
    }

    #[test]
    fn malformed_values_name_the_flag() {
        for (k, v) in [("backend-config", "python"), ("cuda-memory-pool-byte-size", "2048"), ("pinned-memory-pool-byte-size", "lots"), ("min-supported-compute-capability", "-1"), ("backend-directory", "/no/such/backends"), ("repoagent-directory", "/no/such/agents")] {
            let e = apply_server_flags(&flags(&[(k, v)]), ServerOptions::new("/m")).unwrap_err();
            assert_eq!(e.0, k);
        }
    }
}
