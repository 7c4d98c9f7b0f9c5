;; The smallest useful contract: returns its input.
(module
  (import "manaflow" "input_size" (func $input_size (result i32)))
  (import "manaflow" "input_copy" (func $input_copy (param i32 i32 i32)))
  (import "manaflow" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "call")
    (local $n i32)
    (local.set $n (call $input_size))
    (call $input_copy (i32.const 0) (i32.const 0) (local.get $n))
    (call $finish (i32.const 0) (local.get $n)))
  (data (i32.const 0) ""))
