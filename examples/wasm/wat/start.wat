;; Bad: a start function would run outside any entry point.
(module
  (memory (export "memory") 1)
  (func $init)
  (start $init)
  (func (export "call"))
  (data (i32.const 0) ""))
