;; Trapping float-to-int conversions: NaN traps invalid_conversion, a value out of range int_overflow
;; (the spec's names). V8 reports both with one message; the dc-float instrumentation checks NaN first.
;; Arguments are bit patterns (i32 / i64) so NaN payloads reach the conversion unchanged.
(module
  (func (export "i32_trunc_f32_s") (param i32) (result i32) (i32.trunc_f32_s (f32.reinterpret_i32 (local.get 0))))
  (func (export "i32_trunc_f32_u") (param i32) (result i32) (i32.trunc_f32_u (f32.reinterpret_i32 (local.get 0))))
  (func (export "i32_trunc_f64_s") (param i64) (result i32) (i32.trunc_f64_s (f64.reinterpret_i64 (local.get 0))))
  (func (export "i64_trunc_f64_u") (param i64) (result i64) (i64.trunc_f64_u (f64.reinterpret_i64 (local.get 0))))
  (func (export "i64_trunc_f32_s") (param i32) (result i64) (i64.trunc_f32_s (f32.reinterpret_i32 (local.get 0)))))
