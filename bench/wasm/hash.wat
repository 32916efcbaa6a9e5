;; SHA-256-shaped compression loop: 64 rounds per block of Σ/Ch/Maj mixing over eight i32 words,
;; with the message schedule fed back so that blocks differ. run(blocks) → a ^ e.
(module
  (memory 1)
  (func (export "run") (param $blocks i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32) (local $f i32) (local $g i32) (local $h i32)
    (local $i i32) (local $t1 i32) (local $t2 i32) (local $n i32) (local $w i32)
    (loop $fill
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.mul (local.get $i) (i32.const 0x9e3779b9)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 64))))
    (local.set $a (i32.const 0x6a09e667)) (local.set $b (i32.const 0xbb67ae85))
    (local.set $c (i32.const 0x3c6ef372)) (local.set $d (i32.const 0xa54ff53a))
    (local.set $e (i32.const 0x510e527f)) (local.set $f (i32.const 0x9b05688c))
    (local.set $g (i32.const 0x1f83d9ab)) (local.set $h (i32.const 0x5be0cd19))
    (block $done
      (loop $blk
        (br_if $done (i32.ge_u (local.get $n) (local.get $blocks)))
        (local.set $i (i32.const 0))
        (loop $round
          (local.set $w (i32.load (i32.shl (local.get $i) (i32.const 2))))
          (local.set $t1
            (i32.add
              (i32.add
                (i32.add (local.get $h)
                  (i32.xor (i32.xor (i32.rotr (local.get $e) (i32.const 6)) (i32.rotr (local.get $e) (i32.const 11))) (i32.rotr (local.get $e) (i32.const 25))))
                (i32.xor (i32.and (local.get $e) (local.get $f)) (i32.and (i32.xor (local.get $e) (i32.const -1)) (local.get $g))))
              (i32.add (i32.mul (local.get $i) (i32.const 0x428a2f98)) (local.get $w))))
          (local.set $t2
            (i32.add
              (i32.xor (i32.xor (i32.rotr (local.get $a) (i32.const 2)) (i32.rotr (local.get $a) (i32.const 13))) (i32.rotr (local.get $a) (i32.const 22)))
              (i32.xor (i32.xor (i32.and (local.get $a) (local.get $b)) (i32.and (local.get $a) (local.get $c))) (i32.and (local.get $b) (local.get $c)))))
          (local.set $h (local.get $g))
          (local.set $g (local.get $f))
          (local.set $f (local.get $e))
          (local.set $e (i32.add (local.get $d) (local.get $t1)))
          (local.set $d (local.get $c))
          (local.set $c (local.get $b))
          (local.set $b (local.get $a))
          (local.set $a (i32.add (local.get $t1) (local.get $t2)))
          (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.add (local.get $w) (local.get $a)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $round (i32.lt_u (local.get $i) (i32.const 64))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $blk)))
    (i32.xor (local.get $a) (local.get $e))))
