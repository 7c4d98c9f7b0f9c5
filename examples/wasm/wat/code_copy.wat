;; Returns an account's code: its own, or that of the account whose 20-byte address is the input
;; (EXTCODESIZE, then EXTCODECOPY of the whole code, as Solidity's `addr.code`).
(module
  (import "manaflow" "input_size" (func $input_size (result i32)))
  (import "manaflow" "input_copy" (func $input_copy (param i32 i32 i32)))
  (import "manaflow" "address" (func $address (param i32)))
  (import "manaflow" "code_size" (func $code_size (param i32) (result i32)))
  (import "manaflow" "code_copy" (func $code_copy (param i32 i32 i32 i32)))
  (import "manaflow" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  ;; bytes 0..20: the address; from 1024: the code.
  (func (export "call")
    (local $size i32)
    (if (i32.eq (call $input_size) (i32.const 20))
      (then (call $input_copy (i32.const 0) (i32.const 0) (i32.const 20)))
      (else (call $address (i32.const 0))))
    (local.set $size (call $code_size (i32.const 0)))
    (call $code_copy (i32.const 0) (i32.const 1024) (i32.const 0) (local.get $size))
    (call $finish (i32.const 1024) (local.get $size)))
  (data (i32.const 0) ""))
