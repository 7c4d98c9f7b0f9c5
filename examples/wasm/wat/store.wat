;; Stores its 32-byte input at slot 0, then returns what slot 0 holds. `deploy` stores the
;; constructor's first argument word there.
(module
  (import "manaflow" "input_copy" (func $input_copy (param i32 i32 i32)))
  (import "manaflow" "storage_store" (func $sstore (param i32 i32)))
  (import "manaflow" "storage_load" (func $sload (param i32 i32)))
  (import "manaflow" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  ;; bytes 0..32: the key (zero); 32..64: the value; 64..96: what was read back.
  (func $store_input
    (call $input_copy (i32.const 32) (i32.const 0) (i32.const 32))
    (call $sstore (i32.const 0) (i32.const 32)))
  (func (export "deploy") (call $store_input))
  (func (export "call")
    (call $store_input)
    (call $sload (i32.const 0) (i32.const 64))
    (call $finish (i32.const 64) (i32.const 32)))
  (data (i32.const 0) ""))
