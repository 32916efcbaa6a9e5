;; host: icn.timestamp imported with the wrong type.
(module
  (import "icn" "timestamp" (func $ts (result i32)))
  (func (export "timestamp") (result i32) (call $ts))
)
