//! Users and groups from /etc/passwd and /etc/group, for the menu's `su`: what
//! getpwnam(3) and initgroups(3) find.  The kernel knows only numbers; names, homes, shells
//! and group membership are these two text files (passwd(5), group(5)).

/// One line of /etc/passwd: `name:password:uid:gid:gecos:home:shell`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passwd {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
    pub shell: String,
}

/// The entry for `who` — a user name, or a number as the uid — in the text of /etc/passwd
/// (getpwnam, or getpwuid for a number).  Malformed lines are skipped.
pub fn lookup_user(passwd: &str, who: &str) -> Option<Passwd> {
    let by_uid = who.parse::<u32>().ok();
    passwd
        .lines()
        .filter_map(parse_passwd_line)
        .find(|p| p.name == who || Some(p.uid) == by_uid)
}

fn parse_passwd_line(line: &str) -> Option<Passwd> {
    let f: Vec<&str> = line.split(':').collect();
    if f.len() != 7 || f[0].is_empty() {
        return None;
    }
    Some(Passwd {
        name: f[0].to_string(),
        uid: f[2].parse().ok()?,
        gid: f[3].parse().ok()?,
        home: f[5].to_string(),
        shell: f[6].to_string(),
    })
}

/// The groups `user` is in (initgroups): its primary group `gid` first, then every group of
/// /etc/group (`name:password:gid:member,member,...`) that lists it, each once.
pub fn user_groups(group: &str, user: &str, gid: u32) -> Vec<u32> {
    let mut v = vec![gid];
    for line in group.lines() {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() != 4 {
            continue;
        }
        let Ok(g) = f[2].parse::<u32>() else { continue };
        if f[3].split(',').any(|m| m == user) && !v.contains(&g) {
            v.push(g);
        }
    }
    v
}

/// The name of group `gid` in /etc/group, if it has one.
pub fn group_name(group: &str, gid: u32) -> Option<String> {
    group.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() == 4 && f[2].parse::<u32>().ok() == Some(gid)).then(|| f[0].to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n\
                          broken line\n\
                          user:x:1000:1000:MenuOS user:/home/user:/bin/sh\n\
                          nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
    const GROUP: &str =
        "root:x:0:\nusers:x:100:user,guest\nuser:x:1000:\nwheel:x:10:root,user\nbad\n";

    #[test]
    fn users_by_name_and_uid() {
        let u = lookup_user(PASSWD, "user").unwrap();
        assert_eq!(
            (u.uid, u.gid, u.home.as_str(), u.shell.as_str()),
            (1000, 1000, "/home/user", "/bin/sh")
        );
        assert_eq!(lookup_user(PASSWD, "65534").unwrap().name, "nobody");
        assert_eq!(lookup_user(PASSWD, "0").unwrap().name, "root");
        assert!(lookup_user(PASSWD, "ghost").is_none());
        assert!(lookup_user(PASSWD, "broken line").is_none());
    }

    #[test]
    fn groups_of_a_user() {
        assert_eq!(user_groups(GROUP, "user", 1000), vec![1000, 100, 10]);
        assert_eq!(user_groups(GROUP, "root", 0), vec![0, 10]);
        assert_eq!(user_groups(GROUP, "nobody", 65534), vec![65534]);
        assert_eq!(group_name(GROUP, 100).as_deref(), Some("users"));
        assert_eq!(group_name(GROUP, 7), None);
    }
}
