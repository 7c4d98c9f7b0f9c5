;; Grows its memory a page at a time until refused, then returns the page count (one byte).
(module
  (import "manaflow" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "call")
    (block $refused
      (loop $grow
        (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (br $grow)))
    (i32.store8 (i32.const 0) (memory.size))
    (call $finish (i32.const 0) (i32.const 1)))
  (data (i32.const 0) ""))
