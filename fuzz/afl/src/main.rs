//! One AFL++ harness for every fuzz target: `manaflow-afl <target>` reads inputs from AFL++ (in
//! persistent mode) and runs them through that target.

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(target) = manaflow_fuzz::target(&name) else {
        let names: Vec<&str> = manaflow_fuzz::TARGETS.iter().map(|t| t.name).collect();
        eprintln!("usage: manaflow-afl <target>; the targets are {}", names.join(", "));
        std::process::exit(2);
    };
    afl::fuzz!(|data: &[u8]| {
        (target.run)(data);
    });
}
