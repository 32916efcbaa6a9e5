;; Heapsort of n pseudo-random i32 (LCG), with a call per sift-down: run(n) → the median element.
(module
  (memory 2)
  (func $sift (param $root i32) (param $end i32)
    (local $child i32) (local $tmp i32) (local $ra i32) (local $ca i32)
    (block $done
      (loop $l
        (local.set $child (i32.add (i32.shl (local.get $root) (i32.const 1)) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $child) (local.get $end)))
        (if (i32.lt_u (i32.add (local.get $child) (i32.const 1)) (local.get $end))
          (then
            (if (i32.lt_s (i32.load (i32.shl (local.get $child) (i32.const 2)))
                          (i32.load (i32.shl (i32.add (local.get $child) (i32.const 1)) (i32.const 2))))
              (then (local.set $child (i32.add (local.get $child) (i32.const 1)))))))
        (local.set $ra (i32.shl (local.get $root) (i32.const 2)))
        (local.set $ca (i32.shl (local.get $child) (i32.const 2)))
        (br_if $done (i32.ge_s (i32.load (local.get $ra)) (i32.load (local.get $ca))))
        (local.set $tmp (i32.load (local.get $ra)))
        (i32.store (local.get $ra) (i32.load (local.get $ca)))
        (i32.store (local.get $ca) (local.get $tmp))
        (local.set $root (local.get $child))
        (br $l))))
  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $x i32) (local $tmp i32) (local $end i32)
    (local.set $x (i32.const 12345))
    (block $fd
      (loop $fill
        (br_if $fd (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
        (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $x))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
    (local.set $i (i32.shr_u (local.get $n) (i32.const 1)))
    (block $hd
      (loop $heap
        (br_if $hd (i32.eqz (local.get $i)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (call $sift (local.get $i) (local.get $n))
        (br $heap)))
    (local.set $end (local.get $n))
    (block $sd
      (loop $sort
        (br_if $sd (i32.le_u (local.get $end) (i32.const 1)))
        (local.set $end (i32.sub (local.get $end) (i32.const 1)))
        (local.set $tmp (i32.load (i32.const 0)))
        (i32.store (i32.const 0) (i32.load (i32.shl (local.get $end) (i32.const 2))))
        (i32.store (i32.shl (local.get $end) (i32.const 2)) (local.get $tmp))
        (call $sift (i32.const 0) (local.get $end))
        (br $sort)))
    (i32.load (i32.shl (i32.shr_u (local.get $n) (i32.const 1)) (i32.const 2)))))
