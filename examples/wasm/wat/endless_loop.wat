;; Never ends on its own: stopped when its gas (fuel) runs out.
(module
  (memory (export "memory") 1)
  (func (export "call") (loop $forever (br $forever)))
  (data (i32.const 0) ""))
