;; Bad: imports a host function that does not exist.
(module
  (import "manaflow" "launch_missiles" (func))
  (memory (export "memory") 1)
  (func (export "call"))
  (data (i32.const 0) ""))
