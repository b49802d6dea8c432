//! The server-side copy of the entry-key rule must agree with the Rust one, key for key.

use cachecore::layout::{Tier, entry_tier_lua, parse_entry_key};

use crate::support::*;

fn corpus() -> Vec<Vec<u8>> {
    let hex = "0123456789abcdef".repeat(4);
    let mut keys: Vec<Vec<u8>> = [
        format!("cc:l1:default:{hex}"),
        format!("cc:l1:{}:{hex}", "n".repeat(64)),
        format!("cc:l1:{}:{hex}", "n".repeat(65)),
        format!("cc:l1:A-z_0.9:{hex}"),
        format!("cc:l1:default:{}", hex.to_uppercase()),
        format!("cc:l1:default:{hex}0"),
        format!("cc:l1:default:{}", &hex[1..]),
        format!("cc:l1::{hex}"),
        format!("cc:l1:de:fault:{hex}"),
        format!("cc:l1:déf:{hex}"),
        format!("cc:l1:default:{hex}\n"),
        format!("cc:l1:a*b:{hex}"),
        format!("cc:l1:default:{}g", &hex[1..]),
        format!("xcc:l1:default:{hex}"),
        "vec:default:1".into(),
        "vec:default:a:b:c".into(),
        "vec:default:".into(),
        "vec::1".into(),
        "vec:default".into(),
        "vec:de fault:1".into(),
        format!("vec:{}:1", "n".repeat(64)),
        format!("vec:{}:1", "n".repeat(65)),
        "vec:ns:\n".into(),
        "vec:ns:\u{1b}[31m".into(),
        "cc:dep:keys:doc:1".into(),
        "table:products".into(),
        "".into(),
        "vec".into(),
        "cc:l1:".into(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect();
    keys.push(b"vec:ns:\x00\xff".to_vec());
    keys.push([b"cc:l1:default:".as_slice(), hex.as_bytes(), b"\x00"].concat());
    keys
}

#[test]
fn the_lua_entry_key_rule_agrees_with_parse_entry_key() {
    let server = RedisServer::start();
    let mut conn = server.conn();
    let script = format!(
        "{}local out = {{}}\nfor i, k in ipairs(ARGV) do out[i] = entry_tier(k) end\nreturn out",
        entry_tier_lua()
    );
    let keys = corpus();
    let tiers: Vec<i64> = redis::cmd("EVAL")
        .arg(&script)
        .arg(0)
        .arg(&keys)
        .query(&mut conn)
        .unwrap();
    let mut seen = [0; 3];
    for (key, lua) in keys.iter().zip(tiers) {
        let rust = match parse_entry_key(key).map(|k| k.tier) {
            Some(Tier::L1) => 1,
            Some(Tier::L2) => 2,
            None => 0,
        };
        assert_eq!(lua, rust, "{:?}", String::from_utf8_lossy(key));
        seen[rust as usize] += 1;
    }
    // The corpus exercises every outcome.
    assert!(seen.iter().all(|&n| n >= 3), "{seen:?}");
}

#[test]
fn the_bench_checked_bounds_use_the_same_rule() {
    for (file, bench) in [
        (
            "lua_bound_checked.lua",
            include_str!("../../bench/lua_bound_checked.lua"),
        ),
        (
            "lua_bound_checked_hstrlen.lua",
            include_str!("../../bench/lua_bound_checked_hstrlen.lua"),
        ),
        (
            "lua_bound_same_job.lua",
            include_str!("../../bench/lua_bound_same_job.lua"),
        ),
    ] {
        assert!(
            bench.contains(&entry_tier_lua()),
            "bench/{file} must contain layout::entry_tier_lua() verbatim"
        );
    }
}
