;; Hands the host an input length of 4 GiB (-1 as unsigned): refused before anything is copied.
(module
  (import "manaflow" "call_contract" (func $call (param i32 i32 i32 i32 i64) (result i32)))
  (memory (export "memory") 1)
  (func (export "call")
    (drop (call $call (i32.const 0) (i32.const 0) (i32.const 0) (i32.const -1) (i64.const -1))))
  (data (i32.const 0) ""))
