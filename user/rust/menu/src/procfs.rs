//! Processes as /proc shows them: /proc/<pid>/stat and /proc/<pid>/cmdline, read the way
//! Linux's procps does.

use std::collections::BTreeMap;
use std::fs;
use std::io;

pub struct Proc {
    pub pid: i32,
    pub ppid: i32,
    pub state: char,
    pub comm: String,
    /// The arguments, from /proc/<pid>/cmdline (empty for kernel threads and zombies).
    pub cmdline: Vec<String>,
}

impl Proc {
    /// What ps shows as CMD: the command line, or `[comm]` when there is none.
    pub fn cmd(&self) -> String {
        if self.cmdline.is_empty() {
            format!("[{}]", self.comm)
        } else {
            self.cmdline.join(" ")
        }
    }
}

/// Parses a /proc/<pid>/stat line: `pid (comm) state ppid ...`.  comm may hold blanks and
/// parentheses, so it runs to the last `)`.
pub fn parse_stat(s: &str) -> Option<(i32, String, char, i32)> {
    let open = s.find('(')?;
    let close = s.rfind(')')?;
    let pid = s[..open].trim().parse().ok()?;
    let comm = s.get(open + 1..close)?.to_string();
    let mut rest = s[close + 1..].split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    Some((pid, comm, state, ppid))
}

/// Every process in /proc, by pid.  A process that ends while being read is skipped.
pub fn processes() -> io::Result<Vec<Proc>> {
    let mut procs = Vec::new();
    for ent in fs::read_dir("/proc")? {
        let ent = ent?;
        let Some(pid) = ent.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((_, comm, state, ppid)) = parse_stat(&stat) else {
            continue;
        };
        let cmdline = fs::read(format!("/proc/{pid}/cmdline"))
            .map(|raw| {
                raw.split(|&b| b == 0)
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let mut cmdline = cmdline;
        while cmdline.last().is_some_and(|a| a.is_empty()) {
            cmdline.pop();
        }
        procs.push(Proc {
            pid,
            ppid,
            state,
            comm,
            cmdline,
        });
    }
    procs.sort_by_key(|p| p.pid);
    Ok(procs)
}

/// The `ps` table.
pub fn ps_table(procs: &[Proc]) -> String {
    let mut s = format!("{:>5} {:>5} {:<5} {}\n", "PID", "PPID", "STATE", "CMD");
    for p in procs {
        s.push_str(&format!(
            "{:>5} {:>5} {:<5} {}\n",
            p.pid,
            p.ppid,
            p.state,
            p.cmd()
        ));
    }
    s
}

/// The `pstree` drawing: every process under its parent; a process whose parent is not in
/// the list (pid 1 and kthreadd have ppid 0) is a root.
pub fn pstree(procs: &[Proc]) -> String {
    let by_pid: BTreeMap<i32, &Proc> = procs.iter().map(|p| (p.pid, p)).collect();
    let mut children: BTreeMap<i32, Vec<i32>> = BTreeMap::new();
    let mut roots = Vec::new();
    for p in procs {
        if p.ppid != p.pid && by_pid.contains_key(&p.ppid) {
            children.entry(p.ppid).or_default().push(p.pid);
        } else {
            roots.push(p.pid);
        }
    }
    fn walk(
        pid: i32,
        prefix: &str,
        last: bool,
        root: bool,
        by_pid: &BTreeMap<i32, &Proc>,
        children: &BTreeMap<i32, Vec<i32>>,
        out: &mut String,
    ) {
        let p = by_pid[&pid];
        let branch = if root {
            ""
        } else if last {
            "`-"
        } else {
            "|-"
        };
        out.push_str(&format!("{prefix}{branch}{}({})\n", p.comm, p.pid));
        let sub = if root {
            String::new()
        } else {
            format!("{prefix}{}", if last { "  " } else { "| " })
        };
        if let Some(kids) = children.get(&pid) {
            for (i, &k) in kids.iter().enumerate() {
                walk(k, &sub, i + 1 == kids.len(), false, by_pid, children, out);
            }
        }
    }
    let mut out = String::new();
    for r in roots {
        walk(r, "", true, true, &by_pid, &children, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pid: i32, ppid: i32, comm: &str, cmdline: &[&str]) -> Proc {
        Proc {
            pid,
            ppid,
            state: 'S',
            comm: comm.into(),
            cmdline: cmdline.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn stat_lines() {
        assert_eq!(
            parse_stat("1 (init) S 0 1 1 0 -1 4194560 0"),
            Some((1, "init".to_string(), 'S', 0))
        );
        assert_eq!(
            parse_stat("42 (a (weird) name) R 7 42 1"),
            Some((42, "a (weird) name".to_string(), 'R', 7))
        );
        assert_eq!(parse_stat("garbage"), None);
        assert_eq!(parse_stat("5 (x)"), None);
    }

    #[test]
    fn table_and_tree() {
        let procs = [
            p(1, 0, "init", &["/init"]),
            p(2, 0, "kthreadd", &[]),
            p(3, 2, "kworker/0:0", &[]),
            p(9, 1, "sh", &["/bin/sh", "-c", "x"]),
            p(10, 9, "sleep", &["sleep", "5"]),
            p(11, 1, "hello", &["/hello"]),
        ];
        let t = ps_table(&procs);
        assert!(t.starts_with("  PID  PPID STATE CMD\n"));
        assert!(t.contains("\n    2     0 S     [kthreadd]\n"));
        assert!(t.contains("\n    9     1 S     /bin/sh -c x\n"));
        assert_eq!(
            pstree(&procs),
            "init(1)\n|-sh(9)\n| `-sleep(10)\n`-hello(11)\nkthreadd(2)\n`-kworker/0:0(3)\n"
        );
    }
}
