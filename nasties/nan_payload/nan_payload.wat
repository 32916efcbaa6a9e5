;; nan_payload: where NaN bits come from and where they become visible.
;; Every export takes and returns integer bit patterns (i32 for f32, i64 for f64), so no NaN ever
;; crosses JS (which may quiet it); the float work happens inside wasm, from arguments (never
;; constants, which an optimizing tier could fold differently).
(module
  (memory (export "memory") 1 1)
  (global $g32 (mut f32) (f32.const 0))
  (global $g64 (mut f64) (f64.const 0))

  (func (export "f32_add") (param i32 i32) (result i32)
    (i32.reinterpret_f32 (f32.add (f32.reinterpret_i32 (local.get 0)) (f32.reinterpret_i32 (local.get 1)))))
  (func (export "f32_sub") (param i32 i32) (result i32)
    (i32.reinterpret_f32 (f32.sub (f32.reinterpret_i32 (local.get 0)) (f32.reinterpret_i32 (local.get 1)))))
  (func (export "f32_mul") (param i32 i32) (result i32)
    (i32.reinterpret_f32 (f32.mul (f32.reinterpret_i32 (local.get 0)) (f32.reinterpret_i32 (local.get 1)))))
  (func (export "f32_div") (param i32 i32) (result i32)
    (i32.reinterpret_f32 (f32.div (f32.reinterpret_i32 (local.get 0)) (f32.reinterpret_i32 (local.get 1)))))
  (func (export "f32_min") (param i32 i32) (result i32)
    (i32.reinterpret_f32 (f32.min (f32.reinterpret_i32 (local.get 0)) (f32.reinterpret_i32 (local.get 1)))))
  (func (export "f32_max") (param i32 i32) (result i32)
    (i32.reinterpret_f32 (f32.max (f32.reinterpret_i32 (local.get 0)) (f32.reinterpret_i32 (local.get 1)))))
  (func (export "f32_sqrt") (param i32) (result i32)
    (i32.reinterpret_f32 (f32.sqrt (f32.reinterpret_i32 (local.get 0)))))

  (func (export "f64_add") (param i64 i64) (result i64)
    (i64.reinterpret_f64 (f64.add (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))
  (func (export "f64_sub") (param i64 i64) (result i64)
    (i64.reinterpret_f64 (f64.sub (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))
  (func (export "f64_mul") (param i64 i64) (result i64)
    (i64.reinterpret_f64 (f64.mul (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))
  (func (export "f64_div") (param i64 i64) (result i64)
    (i64.reinterpret_f64 (f64.div (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))
  (func (export "f64_min") (param i64 i64) (result i64)
    (i64.reinterpret_f64 (f64.min (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))
  (func (export "f64_max") (param i64 i64) (result i64)
    (i64.reinterpret_f64 (f64.max (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1)))))
  (func (export "f64_sqrt") (param i64) (result i64)
    (i64.reinterpret_f64 (f64.sqrt (f64.reinterpret_i64 (local.get 0)))))

  ;; conversions between widths
  (func (export "promote") (param i32) (result i64)
    (i64.reinterpret_f64 (f64.promote_f32 (f32.reinterpret_i32 (local.get 0)))))
  (func (export "demote") (param i64) (result i32)
    (i32.reinterpret_f32 (f32.demote_f64 (f64.reinterpret_i64 (local.get 0)))))

  ;; a computed NaN stored to memory as a float, read back as bits
  (func (export "f32_div_via_memory") (param i32 i32) (result i32)
    (f32.store (i32.const 16) (f32.div (f32.reinterpret_i32 (local.get 0)) (f32.reinterpret_i32 (local.get 1))))
    (i32.load (i32.const 16)))
  (func (export "f64_div_via_memory") (param i64 i64) (result i64)
    (f64.store (i32.const 32) (f64.div (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1))))
    (i64.load (i32.const 32)))
  ;; a computed NaN kept in a mutable global, read back as bits
  (func (export "f32_div_via_global") (param i32 i32) (result i32)
    (global.set $g32 (f32.div (f32.reinterpret_i32 (local.get 0)) (f32.reinterpret_i32 (local.get 1))))
    (i32.reinterpret_f32 (global.get $g32)))
  (func (export "f64_div_via_global") (param i64 i64) (result i64)
    (global.set $g64 (f64.div (f64.reinterpret_i64 (local.get 0)) (f64.reinterpret_i64 (local.get 1))))
    (i64.reinterpret_f64 (global.get $g64)))
  ;; copysign is bitwise: it shows the sign of a computed NaN as an ordinary number
  (func (export "f32_div_sign") (param i32 i32) (result i32)
    (i32.reinterpret_f32 (f32.copysign (f32.const 1) (f32.div (f32.reinterpret_i32 (local.get 0)) (f32.reinterpret_i32 (local.get 1))))))
)
