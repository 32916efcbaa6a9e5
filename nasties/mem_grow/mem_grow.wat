;; mem_grow: memory.grow at and past a declared maximum (16 pages), a huge grow, bulk memory
;; operations that end exactly at the end of memory and one byte past it.
(module
  (memory (export "memory") 1 16)
  ;; grow by n pages: the old size (or -1), then the size after
  (func (export "grow") (param i32) (result i32 i32)
    (memory.grow (local.get 0))
    (memory.size))
  ;; to exactly the maximum, then one page more: [old size, size at the cap, result of one more]
  (func (export "grow_to_cap") (result i32 i32 i32)
    (memory.grow (i32.sub (i32.const 16) (memory.size)))
    (memory.size)
    (memory.grow (i32.const 1)))
  ;; fill [addr, addr+len) with 0xab; returns the last byte of memory
  (func (export "fill") (param i32 i32) (result i32)
    (memory.fill (local.get 0) (i32.const 0xab) (local.get 1))
    (i32.load8_u (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))))
  ;; mark the first 16 bytes, copy [src, src+len) to dst; returns the last byte of memory
  (func (export "copy") (param i32 i32 i32) (result i32)
    (i64.store (i32.const 0) (i64.const 0x0807060504030201))
    (i64.store (i32.const 8) (i64.const 0x100f0e0d0c0b0a09))
    (memory.copy (local.get 0) (local.get 1) (local.get 2))
    (i32.load8_u (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))))
)
