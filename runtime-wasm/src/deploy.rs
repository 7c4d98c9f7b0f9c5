//! Deployment of a module: splitting init code into module and constructor arguments, and the
//! checks that refuse a module before it can become a contract (docs/wasm-abi.md).

use wasmtime::wasmparser::{Parser, Payload};
use wasmtime::{ExternType, Module};

use crate::error::DeployError;
use crate::gas::{MEMORY_PAGES_MAX, TABLE_ELEMENTS_MAX};

/// The order of known sections in a module (the binary format's, with data count before code).
const SECTION_ORDER: [u8; 13] = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

fn rank(id: u8) -> Option<usize> {
    SECTION_ORDER.iter().position(|&known| known == id)
}

/// Reads an unsigned LEB128 u32 at `pos`: its value and the position after it.
fn read_leb_u32(bytes: &[u8], mut pos: usize) -> Option<(u32, usize)> {
    let mut value: u32 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(pos)?;
        pos += 1;
        value |= u32::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some((value, pos));
        }
    }
    None
}

/// Splits init code into the module and the constructor arguments: the module runs while its
/// sections follow each other in the binary format's order; the first byte that cannot start the
/// next section begins the arguments.
pub fn split_init_code(init: &[u8]) -> (&[u8], &[u8]) {
    let mut pos = 8.min(init.len());
    let mut last_rank = None;
    while pos < init.len() {
        let id = init[pos];
        let Some(section_rank) = rank(id) else { break };
        if last_rank.is_some_and(|last| section_rank <= last) {
            break;
        }
        let Some((size, body)) = read_leb_u32(init, pos + 1) else { break };
        let Some(end) = body.checked_add(size as usize).filter(|&end| end <= init.len()) else { break };
        last_rank = Some(section_rank);
        pos = end;
    }
    init.split_at(pos)
}

/// Refuses a custom section where the module ends (the split stops at id 0, so an unstripped
/// `name` or `producers` section would otherwise become the constructor arguments). Only a
/// section with a non-empty printable ASCII name counts: ABI-encoded arguments (whose first
/// bytes are those of a 32-byte word) practically never look like one.
pub fn refuse_trailing_custom_section(module_len: usize, rest: &[u8]) -> Result<(), DeployError> {
    if rest.first() != Some(&0) {
        return Ok(());
    }
    let Some((size, body)) = read_leb_u32(rest, 1) else { return Ok(()) };
    let Some(section) = rest.get(body..body.saturating_add(size as usize)) else { return Ok(()) };
    let Some((name_len, name_at)) = read_leb_u32(section, 0) else { return Ok(()) };
    let Some(name) = section.get(name_at..name_at.saturating_add(name_len as usize)) else { return Ok(()) };
    if name.is_empty() || !name.iter().all(|b| b.is_ascii_graphic()) {
        return Ok(());
    }
    Err(DeployError::CustomSection { name: String::from_utf8_lossy(name).into_owned(), offset: module_len })
}

/// Checks a module's sections before it is compiled: no start function, no custom sections,
/// bounded memory and tables.
pub fn check_sections(code: &[u8]) -> Result<(), DeployError> {
    let mut memories = 0;
    let mut tables = 0;
    for payload in Parser::new(0).parse_all(code) {
        let payload = payload.map_err(|e| DeployError::Invalid(e.to_string()))?;
        match payload {
            Payload::StartSection { .. } => return Err(DeployError::StartFunction),
            Payload::CustomSection(section) => {
                return Err(DeployError::CustomSection {
                    name: section.name().to_string(),
                    offset: section.range().start,
                });
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    let memory = memory.map_err(|e| DeployError::Invalid(e.to_string()))?;
                    memories += 1;
                    if memory.initial > MEMORY_PAGES_MAX as u64 {
                        return Err(DeployError::Limits(format!(
                            "initial memory of {} pages is above the limit of {MEMORY_PAGES_MAX}",
                            memory.initial
                        )));
                    }
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table.map_err(|e| DeployError::Invalid(e.to_string()))?;
                    tables += 1;
                    if table.ty.initial > TABLE_ELEMENTS_MAX as u64 {
                        return Err(DeployError::Limits(format!(
                            "table of {} elements is above the limit of {TABLE_ELEMENTS_MAX}",
                            table.ty.initial
                        )));
                    }
                }
            }
            _ => {}
        }
    }
    if memories > 1 || tables > 1 {
        return Err(DeployError::Limits(format!("{memories} memories and {tables} tables: at most one of each")));
    }
    Ok(())
}

/// Checks a compiled module's entry points (`memory`, `call`, and `deploy` when constructor
/// arguments are given). Imports are checked when the module is linked.
pub fn check_exports(module: &Module, args_len: usize) -> Result<(), DeployError> {
    match module.get_export("memory") {
        Some(ExternType::Memory(_)) => {}
        Some(_) => return Err(DeployError::ExportType { name: "memory", expected: "a memory" }),
        None => return Err(DeployError::MissingExport("`memory`")),
    }
    check_entry(module, "call")?.ok_or(DeployError::MissingExport("`call` (the entry point: a function [] -> [])"))?;
    if check_entry(module, "deploy")?.is_none() && args_len > 0 {
        return Err(DeployError::ArgumentsWithoutDeploy(args_len));
    }
    Ok(())
}

/// Whether `name` is exported as a function `[] -> []` (`None`: not exported).
fn check_entry(module: &Module, name: &'static str) -> Result<Option<()>, DeployError> {
    match module.get_export(name) {
        None => Ok(None),
        Some(ExternType::Func(ty)) if ty.params().len() == 0 && ty.results().len() == 0 => Ok(Some(())),
        Some(_) => Err(DeployError::ExportType { name, expected: "a function [] -> []" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_code_splits_after_the_last_section() {
        // magic, version, type section (1 byte body), then arguments starting with 0x00.
        let mut init = b"\0asm\x01\0\0\0".to_vec();
        init.extend([1, 1, 0]);
        init.extend([11, 1, 0]); // an empty data section
        let args = [0u8; 32];
        init.extend(args);
        let (module, rest) = split_init_code(&init);
        assert_eq!(module.len(), 14);
        assert_eq!(rest, &args);
    }

    #[test]
    fn a_trailing_custom_section_is_refused_but_abi_words_are_not() {
        let mut producers = vec![0, 11, 9];
        producers.extend(b"producers");
        producers.push(0);
        let refused = refuse_trailing_custom_section(40, &producers);
        assert_eq!(refused, Err(DeployError::CustomSection { name: "producers".into(), offset: 40 }));
        let mut words = [0u8; 64];
        words[31] = 7;
        assert_eq!(refuse_trailing_custom_section(40, &words), Ok(()));
        assert_eq!(refuse_trailing_custom_section(40, &[]), Ok(()));
    }

    #[test]
    fn a_section_out_of_order_begins_the_arguments() {
        let mut init = b"\0asm\x01\0\0\0".to_vec();
        init.extend([11, 1, 0]); // data
        init.extend([10, 1, 0]); // code may not follow data: these are arguments
        let (module, rest) = split_init_code(&init);
        assert_eq!(module.len(), 11);
        assert_eq!(rest, &[10, 1, 0]);
    }

    #[test]
    fn a_section_overrunning_the_data_begins_the_arguments() {
        let mut init = b"\0asm\x01\0\0\0".to_vec();
        init.extend([1, 0x7f, 0]);
        let (module, rest) = split_init_code(&init);
        assert_eq!(module.len(), 8);
        assert_eq!(rest.len(), 3);
    }
}
