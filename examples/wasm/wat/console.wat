;; console.log from WASM: a static call to Hardhat's console address with `log(string)`'s
;; calldata ("hello from wasm"), as console.sol makes it; returns nothing.
(module
  (import "manaflow" "static_call_contract" (func $static_call (param i32 i32 i32 i64) (result i32)))
  (import "manaflow" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "call")
    (drop (call $static_call (i32.const 0) (i32.const 32) (i32.const 100) (i64.const 100000)))
    (call $finish (i32.const 0) (i32.const 0)))
  ;; 0x000000000000000000636F6e736F6c652e6c6f67
  (data (i32.const 0) "\00\00\00\00\00\00\00\00\00\63\6f\6e\73\6f\6c\65\2e\6c\6f\67")
  ;; log(string): selector 0x41304fac, offset 0x20, length 15, "hello from wasm"
  (data (i32.const 32) "\41\30\4f\ac\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\20\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\0f\68\65\6c\6c\6f\20\66\72\6f\6d\20\77\61\73\6d\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00"))
