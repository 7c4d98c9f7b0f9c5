;; Bad: no `call` entry point.
(module (memory (export "memory") 1) (data (i32.const 0) ""))
