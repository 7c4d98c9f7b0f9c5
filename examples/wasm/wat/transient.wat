;; Transient storage (EIP-1153). Called with empty input, it TSTOREs 42 at transient slot 0,
;; calls itself with input "r", and returns what that inner call returned. Called with any
;; input, it returns the word at transient slot 0: 42 inside the first tx, 0 in a later one.
(module
  (import "manaflow" "input_size" (func $input_size (result i32)))
  (import "manaflow" "transient_load" (func $tload (param i32 i32)))
  (import "manaflow" "transient_store" (func $tstore (param i32 i32)))
  (import "manaflow" "address" (func $address (param i32)))
  (import "manaflow" "call_contract" (func $call (param i32 i32 i32 i32 i64) (result i32)))
  (import "manaflow" "return_data_copy" (func $return_data_copy (param i32 i32 i32)))
  (import "manaflow" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  ;; bytes 0..32: the key (zero); 32..64: the value stored; 64..96: the word returned;
  ;; 96..116: this contract's address; 128..160: the value sent (zero); 160: the input "r".
  (func (export "call")
    (if (call $input_size)
      (then
        (call $tload (i32.const 0) (i32.const 64))
        (call $finish (i32.const 64) (i32.const 32))))
    (i32.store8 (i32.const 63) (i32.const 42))
    (call $tstore (i32.const 0) (i32.const 32))
    (call $address (i32.const 96))
    (drop (call $call (i32.const 96) (i32.const 128) (i32.const 160) (i32.const 1) (i64.const -1)))
    (call $return_data_copy (i32.const 64) (i32.const 0) (i32.const 32))
    (call $finish (i32.const 64) (i32.const 32)))
  (data (i32.const 160) "r"))
