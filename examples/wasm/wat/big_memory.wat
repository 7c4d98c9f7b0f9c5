;; Bad: asks for 65 pages up front (the limit is 64).
(module
  (memory (export "memory") 65)
  (func (export "call"))
  (data (i32.const 0) ""))
