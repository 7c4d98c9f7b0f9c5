//! `validate`: a block or the whole chain, forwards (each output checked live, each `prev`
//! compared, each output created, then the commitment) or in reverse (each move a claim on an
//! earlier output, discharged by the write that made it; the claims set grows and shrinks),
//! all at once or step by step, with the verdict.

use alloy_primitives::B256;
use indicatif::{ProgressBar, ProgressStyle};
use manaflow_ledger::{ForwardStep, MemoryChain, ReverseStep, validate_reverse};
use manaflow_types::{Block, Move, StateKey, TxVerifier, Violation};

use crate::console::{Console, Stepper};
use crate::describe::{self, SlotNames};
use crate::names::Names;
use crate::render::{BAD, DIM, GOOD, HEADING, NAME, WRITE, fail, ok, paint, short_hash};
use crate::session::Session;
use crate::words::Args;

/// Which way to validate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Genesis first, against the UTXO set.
    Forward,
    /// Tip first, with a set of claims.
    Reverse,
}

impl Direction {
    /// Its name.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Forward => "forward",
            Direction::Reverse => "reverse",
        }
    }
}

/// When a line is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// A block's one-line summary (a whole chain validated at once).
    Summary,
    /// A step of the block it belongs to.
    Step,
    /// In reverse, a write in an earlier block discharging claims (shown with the focus block).
    Discharge,
    /// A violation: always shown.
    Verdict,
}

/// One line to print, and the block it belongs to.
pub struct Line {
    /// Block number.
    pub block: u64,
    /// When it is shown.
    pub level: Level,
    /// The text.
    pub text: String,
}

/// Which lines a validation keeps.
#[derive(Clone, Copy, Debug)]
pub struct Show {
    /// The block validated (`None`: the whole chain).
    pub focus: Option<u64>,
    /// For the whole chain: every step rather than a line per block.
    pub detail: bool,
}

impl Show {
    /// Adds `line` to `lines` if it is kept.
    fn keep(self, lines: &mut Vec<Line>, line: Line) {
        if self.keeps(line.block, line.level) {
            lines.push(line);
        }
    }

    /// Whether a line of `level` about `block` is kept.
    pub fn keeps(self, block: u64, level: Level) -> bool {
        match (self.focus, level) {
            (_, Level::Verdict) => true,
            (Some(n), Level::Step) => block == n,
            (Some(_), Level::Discharge) => true,
            (Some(_), Level::Summary) => false,
            (None, Level::Summary) => !self.detail,
            (None, Level::Step | Level::Discharge) => self.detail,
        }
    }
}

/// What a validation run needs besides the blocks.
#[derive(Clone, Copy)]
pub struct Run<'a> {
    /// Re-executes txs.
    pub verifier: &'a dyn TxVerifier,
    /// Names for addresses.
    pub names: &'a Names,
    /// Code sizes by hash (for describing code values).
    pub codes: &'a (dyn Fn(&B256) -> Option<usize> + Sync),
    /// Advanced per block.
    pub progress: &'a ProgressBar,
    /// Which lines to keep.
    pub show: Show,
}

/// Describes keys and values for step lines.
struct Words<'a> {
    names: &'a Names,
    slots: SlotNames,
    codes: &'a (dyn Fn(&B256) -> Option<usize> + Sync),
}

impl Words<'_> {
    fn key(&self, key: &StateKey) -> String {
        paint(NAME, describe::key(self.names, &self.slots, &Move::read(*key, B256::ZERO, B256::ZERO)))
    }
    fn value(&self, key: &StateKey, value: &B256) -> String {
        describe::value(&Move::read(*key, B256::ZERO, *value), value, self.codes)
    }
}

fn intx(id: &B256) -> String {
    if *id == B256::ZERO { "never-written".into() } else { format!("tx {}", short_hash(id)) }
}

/// The slot names for every move of `blocks`.
fn slots_of(blocks: &[Block], names: &Names) -> SlotNames {
    let moves: Vec<Move> =
        blocks.iter().skip(1).flat_map(|b| b.txs.iter().flat_map(|tx| tx.moves().iter().copied())).collect();
    SlotNames::for_moves(names, &moves)
}

/// Validates `blocks` forwards from genesis: every step as a line, and the verdict.
pub fn forward(blocks: &[Block], run: &Run<'_>) -> (Vec<Line>, Option<Violation>) {
    let Run { verifier, names, codes, progress, show } = *run;
    let words = Words { names, slots: slots_of(blocks, names), codes };
    let mut lines = Vec::new();
    let keep = |lines: &mut Vec<Line>, line: Line| show.keep(lines, line);
    let mut current = 0;
    let mut counts = [0usize; 3];
    let mut observe = |step: ForwardStep<'_>| {
        let text = match step {
            ForwardStep::Block { header } => {
                current = header.number;
                progress.inc(1);
                counts = [0; 3];
                format!(
                    "{} {} {}: header links to its parent; tx root checked",
                    paint(HEADING, "block"),
                    header.number,
                    short_hash(&header.hash())
                )
            }
            ForwardStep::TxChecked { position, id, failure: None } => {
                format!("  {} {position} {}: signature and stateless re-execution", ok(), short_hash(&id))
            }
            ForwardStep::TxChecked { position, id, failure: Some(v) } => {
                let text = format!("  {} {position} {}: {}", fail(), short_hash(&id), paint(BAD, v));
                keep(&mut lines, Line { block: current, level: Level::Verdict, text });
                return;
            }
            ForwardStep::Read { position, key, output } | ForwardStep::Consumed { position, key, output } => {
                let read = matches!(step, ForwardStep::Read { .. });
                counts[usize::from(!read)] += 1;
                let value = words.value(&key, &output.value);
                let check = if read { format!(" and = {value}") } else { format!("; prev = {value} matches") };
                let verb = if read { "read   " } else { "consume" };
                let (key, intx) = (words.key(&key), intx(&output.intx));
                format!("  {} {verb} {key} is live ({intx}){check}   {}", ok(), paint(DIM, position))
            }
            ForwardStep::Created { position, key, output } => {
                counts[2] += 1;
                paint(
                    WRITE,
                    format!(
                        "  + create  {} = {} (output of tx {})   {}",
                        describe::key(names, &words.slots, &Move::read(key, B256::ZERO, B256::ZERO)),
                        words.value(&key, &output.value),
                        short_hash(&output.intx),
                        position
                    ),
                )
            }
            ForwardStep::Commitment { block, computed, declared } => {
                let mark = if computed == declared { ok() } else { fail() };
                let text = format!(
                    "  {mark} commitment of the UTXO set after block {block}: computed {} · declared {}",
                    short_hash(&computed),
                    short_hash(&declared)
                );
                keep(&mut lines, Line { block: current, level: Level::Step, text });
                format!(
                    "{} {block}: {} reads and {} consumes found live, {} outputs created, commitment {mark}",
                    paint(HEADING, "block"),
                    counts[0],
                    counts[1],
                    counts[2]
                )
            }
            ForwardStep::Failed { violation } => format!("  {} {}", fail(), paint(BAD, violation)),
        };
        let level = match step {
            ForwardStep::Commitment { .. } => Level::Summary,
            ForwardStep::Failed { .. } => Level::Verdict,
            _ => Level::Step,
        };
        keep(&mut lines, Line { block: current, level, text });
    };
    let (_, result) = MemoryChain::validate(blocks, verifier, &mut observe);
    (lines, result.err())
}

/// Validates `blocks` in reverse from the last: every step as a line, and the verdict.
pub fn reverse(blocks: &[Block], run: &Run<'_>) -> (Vec<Line>, Option<Violation>) {
    let Run { verifier, names, codes, progress, show } = *run;
    let words = Words { names, slots: slots_of(blocks, names), codes };
    let mut lines = Vec::new();
    let keep = |lines: &mut Vec<Line>, line: Line| show.keep(lines, line);
    let mut current = blocks.len() as u64;
    let mut open = 0usize;
    let mut counts: std::collections::HashMap<u64, (usize, usize)> = Default::default();
    let mut observe = |step: ReverseStep<'_>| {
        let (level, text) = match step {
            ReverseStep::Block { number } => {
                current = number;
                progress.inc(1);
                (
                    Level::Step,
                    format!("{} {number}: its txs from last to first, each move a claim", paint(HEADING, "block")),
                )
            }
            ReverseStep::Claimed { position, intx: id, key, value, read, open_claims } => {
                open = open_claims;
                counts.entry(position.block).or_default().0 += 1;
                let what = if read { "read   " } else { "consume" };
                (
                    Level::Step,
                    format!(
                        "  ? claim {what} {} = {} on the output of {}   {} · open claims {}",
                        words.key(&key),
                        words.value(&key, &value),
                        intx(&id),
                        paint(DIM, position),
                        paint(HEADING, open_claims)
                    ),
                )
            }
            ReverseStep::Discharged { position, key, value, readers, consumed } => {
                // A claim is on an output (however many moves share it): settling the output
                // closes one claim.
                let settled = readers + usize::from(consumed);
                open = open.saturating_sub(usize::from(settled > 0));
                counts.entry(position.block).or_default().1 += settled;
                // Settling writes show with the block validated; idle ones only with their own.
                let level = if settled > 0 { Level::Discharge } else { Level::Step };
                let fate = match (readers, consumed) {
                    (0, false) => "nobody claims it: it is live at the tip".to_string(),
                    (0, true) => "settles the consume that spent it".to_string(),
                    (r, true) => format!("settles {r} read(s) and the consume that spent it"),
                    (r, false) => format!("settles {r} read(s); it is live at the tip"),
                };
                let text = format!(
                    "  {} write {} = {} {fate}   {} · open claims {}",
                    ok(),
                    words.key(&key),
                    words.value(&key, &value),
                    paint(DIM, position),
                    paint(HEADING, open)
                );
                (level, text)
            }
            ReverseStep::Found { violation } => (Level::Verdict, format!("  {} {}", fail(), paint(BAD, violation))),
            ReverseStep::Commitment { block, computed, declared } => {
                let mark = if computed == declared { ok() } else { fail() };
                let (claims, settled) = counts.get(&block).copied().unwrap_or_default();
                keep(
                    &mut lines,
                    Line {
                        block,
                        level: Level::Step,
                        text: format!(
                            "  {mark} commitment after block {block}: computed {} · declared {}",
                            short_hash(&computed),
                            short_hash(&declared)
                        ),
                    },
                );
                (
                    Level::Summary,
                    format!(
                        "{} {block}: {claims} claims made, {settled} settled by its writes, commitment {mark}",
                        paint(HEADING, "block")
                    ),
                )
            }
        };
        let block = match step {
            ReverseStep::Claimed { position, .. } | ReverseStep::Discharged { position, .. } => position.block,
            ReverseStep::Commitment { block, .. } => block,
            _ => current,
        };
        keep(&mut lines, Line { block, level, text });
    };
    let outcome = validate_reverse(blocks, verifier, &mut observe);
    if outcome.verdict.is_none() && open > 0 {
        let text = format!(
            "  {} the {open} outputs still claimed were never written: they hold zero before genesis, so all are settled",
            ok()
        );
        keep(&mut lines, Line { block: 0, level: Level::Discharge, text });
    }
    (lines, outcome.verdict)
}

/// Blocks from which validation shows a progress bar (on a terminal's stderr).
const PROGRESS_FROM_BLOCKS: u64 = 500;

/// A progress bar over `blocks` blocks; hidden for short chains and when stderr is not a
/// terminal.
pub fn progress_bar(blocks: u64) -> ProgressBar {
    if blocks < PROGRESS_FROM_BLOCKS {
        return ProgressBar::hidden();
    }
    ProgressBar::new(blocks).with_style(
        ProgressStyle::with_template("validating {bar:40} {pos}/{len} blocks ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    )
}

/// Prints `lines` (pausing between them when stepping) and the verdict.
pub fn print(
    console: &mut dyn Console,
    lines: &[Line],
    stepping: bool,
    verdict: &Option<Violation>,
    direction: Direction,
) -> anyhow::Result<()> {
    let mut stepper = Stepper::new(stepping);
    for line in lines {
        writeln!(console.out(), "{}", line.text)?;
        if !stepper.next(console) {
            break;
        }
    }
    print_verdict(console, verdict, direction)
}

/// The verdict line.
pub fn print_verdict(
    console: &mut dyn Console,
    verdict: &Option<Violation>,
    direction: Direction,
) -> anyhow::Result<()> {
    match verdict {
        None => {
            writeln!(console.out(), "{} {}: {}", paint(HEADING, "verdict"), direction.name(), paint(GOOD, "✔ valid"))?
        }
        Some(v) => writeln!(
            console.out(),
            "{} {}: {} rule {} at {}: {}",
            paint(HEADING, "verdict"),
            direction.name(),
            paint(BAD, "✘ invalid,"),
            paint(BAD, v.rule),
            v.position,
            v.detail
        )?,
    }
    Ok(())
}

/// `validate [n|latest|chain] [forward|reverse] [--step]`.
pub fn validate(session: &mut Session, args: &Args, console: &mut dyn Console) -> anyhow::Result<()> {
    args.only(&["step"])?;
    let mut direction = Direction::Forward;
    let mut focus = None;
    let mut whole = false;
    for word in &args.words {
        match word.as_str() {
            "forward" | "forwards" | "fwd" => direction = Direction::Forward,
            "reverse" | "backward" | "backwards" | "rev" => direction = Direction::Reverse,
            "chain" | "all" => whole = true,
            other => focus = Some(session.block_number(Some(other))?),
        }
    }
    let focus = if whole { None } else { Some(focus.unwrap_or(session.block_number(None)?)) };
    let blocks = session.backend.blocks()?;
    let upto = focus.map_or(blocks.len(), |n| n as usize + 1);
    let verifier = session.backend.verifier();
    let backend = &session.backend;
    let codes = |hash: &B256| backend.code(hash).map(|c| c.len());
    let progress = progress_bar(upto as u64);
    let show = Show { focus, detail: args.switch("step") };
    let run = Run { verifier: verifier.as_ref(), names: &session.names, codes: &codes, progress: &progress, show };
    let (lines, verdict) = match direction {
        Direction::Forward => forward(&blocks[..upto], &run),
        Direction::Reverse => reverse(&blocks[..upto], &run),
    };
    progress.finish_and_clear();
    let what = focus.map_or_else(|| format!("the chain (blocks 0 to {})", upto - 1), |n| format!("block {n}"));
    let how = match direction {
        Direction::Forward => "forward: genesis first, every move checked against the UTXO set",
        Direction::Reverse => "in reverse: tip first, every move a claim that an earlier write must settle",
    };
    writeln!(console.out(), "validating {what} {how}")?;
    if direction == Direction::Reverse && focus.is_some_and(|n| n > 0) {
        writeln!(
            console.out(),
            "{}",
            paint(
                DIM,
                "(from earlier blocks only the writes that settle claims are shown; open claims count the whole walk)"
            )
        )?;
    }
    print(console, &lines, args.switch("step"), &verdict, direction)?;
    if verdict.is_some() {
        anyhow::bail!("the {} validation failed", direction.name());
    }
    Ok(())
}
