;; fuel: metered work in loops, calls and bulk memory operations. Under dc the instrumented
;; module charges fuel per the cost table; the trap must come at the same count everywhere.
(module
  (memory (export "memory") 1 1)
  ;; sum 1..n in a loop
  (func (export "loop_sum") (param $n i32) (result i64) (local $acc i64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (local.get $n))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $acc))
  ;; naive recursive Fibonacci: many calls
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1))) (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  ;; bulk ops charged by length: fill len bytes, copy them, return a checksum byte
  (func (export "bulk") (param $len i32) (result i32)
    (memory.fill (i32.const 0) (i32.const 7) (local.get $len))
    (memory.copy (i32.const 32768) (i32.const 0) (local.get $len))
    (i32.add (i32.load8_u (i32.const 32768)) (i32.load8_u (i32.add (i32.const 32767) (local.get $len)))))
  ;; a loop that calls: fuel is charged across both
  (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "loop_calls") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $inc (local.get $acc)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $acc))
)
