;; host: a module that imports something outside the icn.* host API (a wall clock).
(module
  (import "env" "now" (func $now (result i64)))
  (func (export "now") (result i64) (call $now))
)
