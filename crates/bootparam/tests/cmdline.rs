use bootparam::*;

fn words(s: &str) -> Vec<(String, Option<String>)> {
    split(s.as_bytes()).into_iter().map(|p| (p.name, p.value)).collect()
}
fn w(n: &str, v: Option<&str>) -> (String, Option<String>) {
    (n.to_string(), v.map(|v| v.to_string()))
}

#[test]
fn next_arg_quoting() {
    assert_eq!(
        words("  a  b=c\td=\"x y\" \"e=f g\" h=\"i\"j "),
        vec![w("a", None), w("b", Some("c")), w("d", Some("x y")), w("e", Some("f g")), w("h", Some("i\"j")),]
    );
    // '=' at index 0 is not a separator; a later one is
    assert_eq!(words("=a =a=b"), vec![w("=a", None), w("=a", Some("b"))]);
    assert_eq!(words("k= k=\"\" \"q\""), vec![w("k", Some("")), w("k", Some("")), w("q", None)]);
    // unterminated quote swallows the rest
    assert_eq!(words("a=\"b c d"), vec![w("a", Some("b c d"))]);
    // NUL ends the line
    assert_eq!(words("a\0b"), vec![w("a", None)]);
    assert_eq!(words(""), vec![]);
    assert_eq!(words(" \t\n"), vec![]);
}

#[test]
fn init_argv_envp() {
    let bp = parse("console=ttyS0 foo bar=baz mod.opt=1 dotted.word quiet -- x=y a.b single").unwrap();
    assert_eq!(bp.consoles, ["ttyS0"]);
    assert!(bp.quiet);
    assert_eq!(bp.console_loglevel, CONSOLE_LOGLEVEL_QUIET);
    assert_eq!(bp.init_args, ["foo", "x=y", "a.b", "single"]);
    assert_eq!(bp.init_envp, ["HOME=/", "TERM=linux", "bar=baz"]);
    assert_eq!(bp.init_argv("/init"), ["/init", "foo", "x=y", "a.b", "single"]);
}

#[test]
fn env_replaces_same_name() {
    let bp = parse("TERM=vt100 A=1 A=2 AB=3 TERM=\"xterm\" HOME").unwrap();
    assert_eq!(bp.init_envp, ["HOME=/", "TERM=xterm", "A=2", "AB=3"]);
    assert_eq!(bp.init_args, ["HOME"]);
}

#[test]
fn init_and_rdinit_drop_earlier_args() {
    let bp = parse("auto single init=/bin/sh emergency rdinit=/linuxrc late -- z").unwrap();
    assert_eq!(bp.init.as_deref(), Some("/bin/sh"));
    assert_eq!(bp.rdinit.as_deref(), Some("/linuxrc"));
    assert_eq!(bp.init_args, ["late", "z"]);
    let c = bp.init_candidates();
    assert_eq!(c[0], ("/linuxrc".to_string(), OnFailure::TryNext));
    assert_eq!(c[1], ("/bin/sh".to_string(), OnFailure::Panic));
    assert_eq!(c[2].0, "/sbin/init");
    assert_eq!(c.last().unwrap().0, "/bin/sh");
    let d = parse("").unwrap();
    assert_eq!(d.init_candidates()[0].0, "/init");
    assert_eq!(d.init_candidates().len(), 5);
    assert_eq!(d.init_envp, ["HOME=/", "TERM=linux"]);
    assert_eq!(d.console_loglevel, CONSOLE_LOGLEVEL_DEFAULT);
}

#[test]
fn known_param_matching_rules() {
    // early_param: exact or name=
    let bp = parse("debugx quiet=1 earlycon loglevel=3").unwrap();
    assert_eq!(bp.init_args, ["debugx"]);
    assert!(bp.quiet && !bp.debug);
    assert_eq!(bp.earlycon, Some(None));
    assert_eq!(bp.console_loglevel, 3);
    let bp = parse("earlycon=sbi debug").unwrap();
    assert_eq!(bp.earlycon, Some(Some("sbi".into())));
    assert_eq!(bp.console_loglevel, CONSOLE_LOGLEVEL_DEBUG);
    // __setup("ro"): only bare
    let bp = parse("ro=1 root=/dev/vda rw ro rox").unwrap();
    assert_eq!(bp.read_only, Some(true));
    assert_eq!(bp.root.as_deref(), Some("/dev/vda"));
    assert_eq!(bp.init_envp, ["HOME=/", "TERM=linux", "ro=1"]);
    assert_eq!(bp.init_args, ["rox"]);
    // __setup prefix match
    let bp = parse("norandmapsfoo nokaslr console=ttyS0,115200 console=hvc0").unwrap();
    assert!(bp.norandmaps && bp.nokaslr);
    assert_eq!(bp.consoles, ["ttyS0,115200", "hvc0"]);
    assert!(bp.init_args.is_empty());
    // BOOT_IMAGE goes to envp on 6.1
    let bp = parse("BOOT_IMAGE=/vmlinuz").unwrap();
    assert_eq!(bp.init_envp[2], "BOOT_IMAGE=/vmlinuz");
    // params keeps every word before --
    assert_eq!(parse("a b=c -- d").unwrap().params, vec![w("a", None), w("b", Some("c"))]);
    // "--" with a value is not the separator
    let bp = parse("--=x y").unwrap();
    assert_eq!(bp.init_envp[2], "--=x");
    assert_eq!(bp.init_args, ["y"]);
}

#[test]
fn custom_table() {
    let t = [Known { name: "foo", kind: Kind::Early }];
    let bp = parse_with(b"foo console=x", &t).unwrap();
    assert_eq!(bp.init_envp[2], "console=x");
    assert!(bp.init_args.is_empty());
}

#[test]
fn limits() {
    let many: Vec<String> = (0..32).map(|i| format!("a{}", i)).collect();
    let bp = parse(many.join(" ")).unwrap();
    assert_eq!(bp.init_args.len(), 32);
    let more = format!("{} extra", many.join(" "));
    assert_eq!(parse(&more), Err(Error::TooManyInitArgs("extra".into())));
    let more = format!("-- {} extra", many.join(" "));
    assert_eq!(parse(&more), Err(Error::TooManyInitArgs("extra".into())));
    let envs: Vec<String> = (0..31).map(|i| format!("E{}=1", i)).collect();
    let bp = parse(envs.join(" ")).unwrap();
    assert_eq!(bp.init_envp.len(), 33);
    let more = format!("{} E0=2 X=1", envs.join(" "));
    assert_eq!(parse(&more), Err(Error::TooManyEnvVars("X=1".into())));
}
