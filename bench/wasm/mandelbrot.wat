;; Mandelbrot escape counts on a size×size grid, at most 100 iterations per point (f64):
;; run(size) → total iterations. The float kernel for dc-float (NaN canonicalization after every op).
(module
  (func (export "run") (param $size i32) (result i32)
    (local $px i32) (local $py i32) (local $it i32) (local $count i32)
    (local $x0 f64) (local $y0 f64) (local $x f64) (local $y f64) (local $xt f64) (local $inv f64)
    (local.set $inv (f64.div (f64.const 3) (f64.convert_i32_u (local.get $size))))
    (block $yd
      (loop $yl
        (br_if $yd (i32.ge_u (local.get $py) (local.get $size)))
        (local.set $y0 (f64.sub (f64.mul (f64.convert_i32_u (local.get $py)) (local.get $inv)) (f64.const 1.5)))
        (local.set $px (i32.const 0))
        (block $xd
          (loop $xl
            (br_if $xd (i32.ge_u (local.get $px) (local.get $size)))
            (local.set $x0 (f64.sub (f64.mul (f64.convert_i32_u (local.get $px)) (local.get $inv)) (f64.const 2)))
            (local.set $x (f64.const 0))
            (local.set $y (f64.const 0))
            (local.set $it (i32.const 0))
            (block $id
              (loop $il
                (br_if $id (i32.ge_u (local.get $it) (i32.const 100)))
                (br_if $id (f64.gt (f64.add (f64.mul (local.get $x) (local.get $x)) (f64.mul (local.get $y) (local.get $y))) (f64.const 4)))
                (local.set $xt (f64.add (f64.sub (f64.mul (local.get $x) (local.get $x)) (f64.mul (local.get $y) (local.get $y))) (local.get $x0)))
                (local.set $y (f64.add (f64.mul (f64.mul (f64.const 2) (local.get $x)) (local.get $y)) (local.get $y0)))
                (local.set $x (local.get $xt))
                (local.set $it (i32.add (local.get $it) (i32.const 1)))
                (br $il)))
            (local.set $count (i32.add (local.get $count) (local.get $it)))
            (local.set $px (i32.add (local.get $px) (i32.const 1)))
            (br $xl)))
        (local.set $py (i32.add (local.get $py) (i32.const 1)))
        (br $yl)))
    (local.get $count)))
