//! `examples/k8s/` (issue 15): the manifests deserialise into Kubernetes'
//! own API types (k8s-openapi; no cluster here), and what they tell the pods
//! agrees with what tritium reads: every completion index names its own
//! shard through `Shard::from_env`, the checkpoint a retried pod resumes is
//! the one `tritium profile` writes, both Jobs share the volume holding
//! export_path, and the config they mount is one tritium accepts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Container, PersistentVolumeClaim, PodSpec};
use serde::Deserialize;
use tritium_profile::config::ProfileConfig;
use tritium_profile::shard::Shard;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/k8s")
}

/// Every document of `file` as `T`, named by its kind.
fn docs(file: &str) -> Vec<serde_yaml::Value> {
    let text = std::fs::read_to_string(dir().join(file)).unwrap();
    serde_yaml::Deserializer::from_str(&text).map(|d| serde_yaml::Value::deserialize(d).unwrap()).collect()
}

fn of_kind<T: serde::de::DeserializeOwned>(file: &str, kind: &str) -> T {
    let v = docs(file).into_iter().find(|d| d.get("kind").and_then(|k| k.as_str()) == Some(kind)).unwrap_or_else(|| panic!("no {kind} in {file}"));
    serde_yaml::from_value(v).unwrap_or_else(|e| panic!("{file}: {kind} does not deserialise into k8s-openapi's type: {e}"))
}

fn pod(job: &Job) -> &PodSpec {
    job.spec.as_ref().unwrap().template.spec.as_ref().unwrap()
}

fn container(job: &Job) -> &Container {
    &pod(job).containers[0]
}

fn env(c: &Container) -> BTreeMap<String, String> {
    c.env.iter().flatten().filter_map(|e| Some((e.name.clone(), e.value.clone()?))).collect()
}

/// mountPath -> the claim (or config map) behind it.
fn mounts(job: &Job) -> BTreeMap<String, String> {
    let p = pod(job);
    let source = |name: &str| {
        let v = p.volumes.iter().flatten().find(|v| v.name == name).unwrap();
        if let Some(c) = &v.persistent_volume_claim {
            format!("pvc:{}", c.claim_name)
        } else if let Some(c) = &v.config_map {
            format!("configmap:{}", c.name)
        } else {
            panic!("volume {name}: neither a claim nor a config map")
        }
    };
    container(job).volume_mounts.iter().flatten().map(|m| (m.mount_path.clone(), source(&m.name))).collect()
}

/// The profile config the ConfigMap carries, read as tritium reads it.
fn profile_config() -> ProfileConfig {
    let cm: ConfigMap = of_kind("config.yaml", "ConfigMap");
    let text = cm.data.as_ref().unwrap().get("analyzer_config.yaml").expect("the ConfigMap has analyzer_config.yaml");
    ProfileConfig::from_yaml_str(text, Path::new("/config/analyzer_config.yaml")).unwrap_or_else(|e| panic!("tritium refuses the ConfigMap's config: {e}"))
}

#[test]
fn the_indexed_job_gives_every_pod_its_own_shard() {
    let job: Job = of_kind("profile-job.yaml", "Job");
    let spec = job.spec.as_ref().unwrap();
    assert_eq!(spec.completion_mode.as_deref(), Some("Indexed"));
    let n = spec.completions.expect("completions") as u32;
    assert!(n >= 2, "a sharded profile has at least two shards");
    assert_eq!(spec.parallelism, Some(n as i32), "every shard runs at once (one GPU each)");
    let c = container(&job);
    let vars = env(c);
    assert_eq!(vars.get("TRITIUM_SHARD_COUNT").map(String::as_str), Some(n.to_string().as_str()), "TRITIUM_SHARD_COUNT must equal completions");
    let gpus = c.resources.as_ref().and_then(|r| r.limits.as_ref()).and_then(|l| l.get("nvidia.com/gpu")).map(|q| q.0.clone());
    assert_eq!(gpus.as_deref(), Some("1"), "one GPU per shard");
    // Kubernetes sets JOB_COMPLETION_INDEX to 0..completions: each is a distinct shard of n.
    let mut seen = Vec::new();
    for i in 0..n {
        let lookup = |k: &str| match k {
            "JOB_COMPLETION_INDEX" => Some(i.to_string()),
            k => vars.get(k).cloned(),
        };
        let s = Shard::from_env(lookup).unwrap().expect("the pod's environment names a shard");
        assert_eq!((s.index, s.count), (i, n));
        seen.push(s);
    }
    seen.dedup();
    assert_eq!(seen.len(), n as usize);
}

#[test]
fn a_retried_pod_resumes_the_checkpoint_its_shard_writes() {
    let job: Job = of_kind("profile-job.yaml", "Job");
    let c = container(&job);
    let script = c.args.as_ref().unwrap().join("\n");
    let cfg = profile_config();
    let n = job.spec.as_ref().unwrap().completions.unwrap() as u32;
    for i in 0..n {
        let expanded = script.replace("${JOB_COMPLETION_INDEX}", &i.to_string()).replace("${TRITIUM_SHARD_COUNT}", &n.to_string());
        let ck = Shard::new(i, n).unwrap().checkpoint(&cfg);
        assert!(expanded.contains(&format!("ck={}", ck.display())), "pod {i} looks for a checkpoint other than {}:\n{expanded}", ck.display());
    }
    assert!(script.contains("tritium profile -f /config/analyzer_config.yaml"), "{script}");
    assert!(script.contains("--resume"), "{script}");
}

#[test]
fn both_jobs_share_the_config_models_and_export_path() {
    let profile: Job = of_kind("profile-job.yaml", "Job");
    let merge: Job = of_kind("merge-job.yaml", "Job");
    let _claim: PersistentVolumeClaim = of_kind("config.yaml", "PersistentVolumeClaim");
    let cfg = profile_config();
    let (pm, mm) = (mounts(&profile), mounts(&merge));
    // The volume holding each path tritium writes or reads, in both Jobs.
    let holder = |m: &BTreeMap<String, String>, p: &Path| -> String {
        m.iter().filter(|(mount, _)| p.starts_with(mount.as_str())).max_by_key(|(mount, _)| mount.len()).map(|(_, s)| s.clone()).unwrap_or_else(|| panic!("{} is on no mounted volume", p.display()))
    };
    for p in [&cfg.export_path, &cfg.checkpoint_directory, &cfg.output_model_repository_path, &cfg.model_repository] {
        let a = holder(&pm, p);
        assert!(a.starts_with("pvc:"), "{} must be on a shared claim, not {a}", p.display());
        assert_eq!(a, holder(&mm, p), "{}: the two Jobs mount different volumes", p.display());
    }
    assert_eq!(holder(&pm, Path::new("/config/analyzer_config.yaml")), "configmap:tritium-profile-config");
    assert_eq!(holder(&mm, Path::new("/config/analyzer_config.yaml")), "configmap:tritium-profile-config");
    // The merge reads the export path and config the shards wrote with.
    let cmd = container(&merge).command.clone().unwrap();
    let arg = |flag: &str| cmd.iter().position(|a| a == flag).and_then(|i| cmd.get(i + 1)).cloned();
    assert_eq!(cmd[..2], ["tritium".to_string(), "merge".to_string()]);
    assert_eq!(arg("-e").map(PathBuf::from), Some(cfg.export_path.clone()));
    assert_eq!(arg("-f").as_deref(), Some("/config/analyzer_config.yaml"));
}

/// The merge Job's command line is one `tritium merge` accepts (clap would print its usage):
/// run against an export path no shard wrote, it says there are no shards there instead.
#[test]
fn the_merge_command_line_parses() {
    let merge: Job = of_kind("merge-job.yaml", "Job");
    let cmd = container(&merge).command.clone().unwrap();
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("analyzer_config.yaml");
    let cm: ConfigMap = of_kind("config.yaml", "ConfigMap");
    std::fs::write(&cfg, cm.data.unwrap().remove("analyzer_config.yaml").unwrap()).unwrap();
    let args: Vec<String> = cmd[1..]
        .iter()
        .map(|a| match a.as_str() {
            "/results/profile" => d.path().join("profile").display().to_string(),
            "/config/analyzer_config.yaml" => cfg.display().to_string(),
            a => a.to_string(),
        })
        .collect();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_tritium")).args(&args).output().unwrap();
    let t = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(!t.contains("Usage:"), "the merge Job's arguments are a usage error: {t}");
    assert!(!o.status.success(), "{t}");
    assert!(t.contains("no shards here"), "{t}");
}
