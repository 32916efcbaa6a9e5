;; host: the only host functions of the dc profiles. icn.timestamp returns the task's created_at
;; (never the wall clock); icn.entropy_seed writes 32 bytes derived from the task's inputs.
(module
  (import "icn" "timestamp" (func $ts (result i64)))
  (import "icn" "entropy_seed" (func $seed (param i32)))
  (import "icn" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 100) "hello from the guest")
  (func (export "timestamp") (result i64) (call $ts))
  ;; twice in one call: the same value both times
  (func (export "timestamp_twice") (result i64 i64) (call $ts) (call $ts))
  ;; the seed's first and last 8 bytes; `salt` only changes the task inputs
  (func (export "entropy") (param $salt i32) (result i64 i64)
    (call $seed (i32.const 0))
    (i64.load (i32.const 0))
    (i64.load (i32.const 24)))
  (func (export "log") (result i32)
    (call $log (i32.const 100) (i32.const 20))
    (i32.const 1))
)
