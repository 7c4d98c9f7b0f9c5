;; Traps at once.
(module
  (memory (export "memory") 1)
  (func (export "call") unreachable)
  (data (i32.const 0) ""))
