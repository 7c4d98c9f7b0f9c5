;; Reverts with the two bytes "no".
(module
  (import "manaflow" "revert" (func $revert (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "call") (call $revert (i32.const 0) (i32.const 2)))
  (data (i32.const 0) "no"))
